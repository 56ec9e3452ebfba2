import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command; never throws for a non-zero exit (the caller asserts on it). */
export function run(cmd: string, args: string[], timeoutMs = 30_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

async function must(cmd: string, args: string[]): Promise<string> {
  const r = await run(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/** A udhcpc script that configures only the guest namespace (never the host's resolv.conf). */
const DHCP_SCRIPT = `#!/bin/sh
case "$1" in
  bound|renew)
    ip addr flush dev "$interface" scope global
    ip addr add "$ip/$mask" dev "$interface"
    for r in $router; do ip route replace default via "$r" dev "$interface"; break; done
    set -- $staticroutes
    while [ $# -ge 2 ]; do ip route replace "$1" via "$2" dev "$interface"; shift 2; done
    ;;
esac
`;

export interface PluggablePort {
  id: string;
  mac_address: string;
  'binding:vif_details': { bridge_name: string; namespace: string; device_name: string };
}

/**
 * A network namespace standing in for a VM on a port, as Neutron's functional tests do: a veth
 * whose host end is the port's device on the network's bridge and whose guest end has the
 * port's MAC.
 */
export class Guest {
  private constructor(readonly ns: string) {}

  static async plug(name: string, port: PluggablePort): Promise<Guest> {
    const ns = `${name}-${port.id.slice(0, 6)}`;
    await must('ip', ['netns', 'add', ns]);
    const guest = new Guest(ns);
    try {
      await guest.wire(port);
    } catch (err) {
      await guest.remove();
      throw err;
    }
    return guest;
  }

  private async wire(port: PluggablePort): Promise<void> {
    const vif = port['binding:vif_details'];
    const ns = this.ns;
    const peer = `p${port.id.slice(0, 11)}`;
    await must('ip', ['link', 'add', peer, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    await must('ip', ['link', 'set', peer, 'netns', vif.namespace]);
    await must('ip', ['-n', vif.namespace, 'link', 'set', peer, 'name', vif.device_name]);
    // The network's bridge appears when the controller has converged; wait for it as a plugging host would.
    for (let tries = 0; ; tries++) {
      const r = await run('ip', ['-n', vif.namespace, 'link', 'set', vif.device_name, 'master', vif.bridge_name, 'up']);
      if (r.code === 0) break;
      if (tries >= 50) throw new Error(`bridge ${vif.bridge_name} never appeared: ${r.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await must('ip', ['-n', ns, 'link', 'set', 'eth0', 'address', port.mac_address]);
    await must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    await must('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
  }

  exec(args: string[], timeoutMs?: number): Promise<Run> {
    return run('ip', ['netns', 'exec', this.ns, ...args], timeoutMs);
  }

  /** Asks the network's DHCP server for an address (busybox udhcpc); returns the IPv4 address it configured. */
  async dhcp(): Promise<string> {
    const dir = mkdtempSync(join(tmpdir(), 'sovcloud-dhcp-'));
    const script = join(dir, 'script');
    writeFileSync(script, DHCP_SCRIPT);
    chmodSync(script, 0o755);
    const r = await this.exec(['busybox', 'udhcpc', '-i', 'eth0', '-n', '-q', '-f', '-O', 'staticroutes', '-t', '5', '-T', '2', '-s', script], 40_000);
    if (r.code !== 0) throw new Error(`no DHCP lease in ${this.ns}: ${r.stdout}${r.stderr}`);
    const addr = await this.exec(['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']);
    return /inet (\S+)\//.exec(addr.stdout)?.[1] ?? '';
  }

  /** Whether a TCP connection to host:port opens within 2 s. */
  async connects(host: string, port: number): Promise<boolean> {
    return (await this.exec(['nc', '-z', '-w', '2', host, String(port)])).code === 0;
  }

  async pings(host: string): Promise<boolean> {
    return (await this.exec(['ping', '-c', '1', '-W', '2', host])).code === 0;
  }

  /** Starts a TCP listener (`nc -lk`) in the guest; it lives until the namespace is removed. */
  async listen(port: number): Promise<void> {
    await run('ip', ['netns', 'exec', this.ns, 'sh', '-c', `nohup nc -lk ${port} >/dev/null 2>&1 </dev/null &`]);
  }

  async remove(): Promise<void> {
    const pids = await run('ip', ['netns', 'pids', this.ns]);
    for (const pid of pids.stdout.split('\n').filter(Boolean)) await run('kill', ['-9', pid]);
    await run('ip', ['netns', 'del', this.ns]);
  }
}
