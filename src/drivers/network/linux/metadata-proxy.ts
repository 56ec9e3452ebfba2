import { join } from 'node:path';
import { findDaemon, startDaemon, stopDaemon } from './daemon.ts';
import { METADATA_IP } from './dnsmasq.ts';
import { removeFiles, writeIfChanged } from './files.ts';

const NETWORK_ID_HEADER = 'X-Sovcloud-Network-Id';

/**
 * haproxy at 169.254.169.254:80 in the network's DHCP namespace, as Neutron's metadata proxy:
 * it stamps each request with the network and the guest's address (replacing whatever the guest
 * sent under those names) and forwards it to the metadata server's unix socket. It stays root
 * because the socket belongs to the server, whose permissions this driver does not decide.
 */
function renderHaproxy(networkId: string, metadataSocket: string): string {
  return [
    'global',
    '    maxconn 1024',
    '',
    'defaults',
    '    mode http',
    '    timeout connect 5s',
    '    timeout client 32s',
    '    timeout server 32s',
    '    timeout http-request 30s',
    '    timeout http-keep-alive 30s',
    '',
    'listen metadata',
    `    bind ${METADATA_IP}:80`,
    `    http-request set-header ${NETWORK_ID_HEADER} ${networkId}`,
    '    http-request set-header X-Forwarded-For %[src]',
    `    server metadata ${JSON.stringify(`unix@${metadataSocket}`)}`,
    '',
  ].join('\n');
}

/** Afterwards the proxy for `networkId` runs in `ns`, or nothing does when `networkId` is null. */
export async function syncMetadataProxy(ns: string, dir: string, networkId: string | null, metadataSocket: string): Promise<boolean> {
  const pidFile = join(dir, 'haproxy.pid');
  const cfg = join(dir, 'haproxy.cfg');
  if (networkId === null) {
    await stopDaemon(pidFile, 'haproxy');
    await removeFiles(cfg);
    return false;
  }
  const changed = await writeIfChanged(cfg, renderHaproxy(networkId, metadataSocket));
  const running = await findDaemon(pidFile, 'haproxy');
  if (running && !changed) return false;
  // haproxy cannot re-read its configuration in place without a second process; a restart is
  // cheap and the configuration only changes with the socket path.
  if (running) await stopDaemon(pidFile, 'haproxy');
  await startDaemon(ns, ['haproxy', '-D', '-f', cfg, '-p', pidFile], pidFile);
  return true;
}
