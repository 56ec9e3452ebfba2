import { join } from 'node:path';
import type { Ipv6Mode } from '../../../services/network/driver.ts';
import { networkCidr } from './addr.ts';
import { findDaemon, startDaemon, stopDaemon } from './daemon.ts';
import { signalIfAlive } from '../../../platform/processes.ts';
import { removeFiles, writeIfChanged } from './files.ts';

export interface Advertised {
  device: string;
  mtu: number;
  prefixes: { cidr: string; raMode: Ipv6Mode }[];
}

/**
 * radvd's configuration for a router's internal interfaces, with Neutron's flags: SLAAC sets the
 * autonomous flag, DHCPv6-stateful the managed flag (addresses from the network's DHCP server),
 * DHCPv6-stateless autonomous plus other-config (the rest from that server). radvd rather than
 * dnsmasq, because dnsmasq sets these flags only by serving DHCPv6 itself.
 */
export function renderRadvd(interfaces: Advertised[]): string {
  return interfaces.map((i) => {
    const managed = i.prefixes.some((p) => p.raMode === 'dhcpv6-stateful');
    const other = managed || i.prefixes.some((p) => p.raMode === 'dhcpv6-stateless');
    return [
      `interface ${i.device}`,
      '{',
      '    AdvSendAdvert on;',
      // Neutron's intervals; guests that ask get an answer at once anyway.
      '    MinRtrAdvInterval 30;',
      '    MaxRtrAdvInterval 100;',
      `    AdvLinkMTU ${i.mtu};`,
      `    AdvManagedFlag ${managed ? 'on' : 'off'};`,
      `    AdvOtherConfigFlag ${other ? 'on' : 'off'};`,
      ...i.prefixes.flatMap((p) => [
        `    prefix ${networkCidr(p.cidr)}`,
        '    {',
        '        AdvOnLink on;',
        `        AdvAutonomous ${p.raMode === 'dhcpv6-stateful' ? 'off' : 'on'};`,
        '    };',
      ]),
      '};',
      '',
    ].join('\n');
  }).join('');
}

/** Afterwards radvd advertises exactly `interfaces` in `ns`, or does not run when there are none. */
export async function syncRadvd(ns: string, dir: string, interfaces: Advertised[]): Promise<void> {
  const pidFile = join(dir, 'radvd.pid');
  const cfg = join(dir, 'radvd.conf');
  if (interfaces.length === 0) {
    await stopDaemon(pidFile, 'radvd');
    await removeFiles(cfg);
    return;
  }
  const changed = await writeIfChanged(cfg, renderRadvd(interfaces));
  const running = await findDaemon(pidFile, 'radvd');
  if (running) {
    if (changed) signalIfAlive(running.pid, 'SIGHUP');
    return;
  }
  await startDaemon(ns, ['radvd', '-C', cfg, '-p', pidFile, '-m', 'syslog', '-u', 'nobody'], pidFile);
}
