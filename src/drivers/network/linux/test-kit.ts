import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NetworkDriver } from '../../../services/network/driver.ts';

import { signalIfAlive } from '../../../platform/processes.ts';
import { ip, ipJson, run } from './exec.ts';
import { listNamespaces } from './namespace.ts';

/**
 * Helpers for the driver's tests on the real kernel: network namespaces stand in for guests, as
 * in Neutron's functional tests. Nothing here touches the host's own interfaces.
 */

const TOOLS = ['ip', 'nft', 'sysctl', 'dnsmasq', 'haproxy', 'radvd', 'busybox', 'ping', 'nc', 'curl', 'dig', 'pgrep'];

/** Why the live tests cannot run here, or false when they can. */
export async function liveSkipReason(): Promise<string | false> {
  if (process.getuid?.() !== 0) return 'needs root to create network namespaces';
  const missing = [];
  for (const tool of TOOLS) if (!(await run('sh', ['-c', 'command -v "$0"', tool]).then(() => true, () => false))) missing.push(tool);
  return missing.length ? `missing commands: ${missing.join(', ')}` : false;
}

/** A prefix no other test run or cloud on this host uses. */
export function testPrefix(): string {
  return `t${randomBytes(3).toString('hex').slice(0, 5)}`;
}

/**
 * Writes only the guest namespace's own address and routes (never resolv.conf, which is the
 * host's) and records what the server offered.
 */
const UDHCPC_SCRIPT = `#!/bin/sh
[ "$1" = bound ] || exit 0
ip addr add "$ip/$mask" dev "$interface"
set -- $staticroutes
while [ $# -ge 2 ]; do ip route replace "$1" via "$2" dev "$interface"; shift 2; done
printf 'ip=%s\\nrouter=%s\\ndns=%s\\ndomain=%s\\nstaticroutes=%s\\nmtu=%s\\n' "$ip" "$router" "$dns" "$domain" "$staticroutes" "$mtu" > "$LEASE_OUT"
`;

export class Lab {
  private readonly children: ChildProcess[] = [];

  private constructor(readonly prefix: string, readonly dir: string) {}

  static async create(): Promise<Lab> {
    const lab = new Lab(testPrefix(), await mkdtemp(join(tmpdir(), 'sovcloud-net-')));
    // The driver's daemons drop to nobody and must still reach their files in here.
    await chmod(lab.dir, 0o711);
    await writeFile(join(lab.dir, 'udhcpc.sh'), UDHCPC_SCRIPT, { mode: 0o755 });
    return lab;
  }

  /** A guest namespace whose eth0 (with `mac`) is plugged the way the driver says. */
  async guest(driver: NetworkDriver, name: string, networkId: string, portId: string, mac: string): Promise<Guest> {
    const ns = `${this.prefix}-${name}`;
    await run('ip', ['netns', 'add', ns]);
    await ip(ns, ['link', 'set', 'lo', 'up']);
    const vif = driver.vifDetails(networkId);
    const dev = vif.deviceName(portId);
    await ip(vif.namespace, ['link', 'add', dev, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    await ip(vif.namespace, ['link', 'set', dev, 'master', vif.bridgeName, 'up']);
    await ip(ns, ['link', 'set', 'eth0', 'address', mac, 'up']);
    return new Guest(ns, this);
  }

  /** A long-running command in `ns` (a listener), stopped by cleanup. */
  spawnIn(ns: string | null, argv: string[]): ChildProcess {
    const child = spawn(ns === null ? argv[0]! : 'ip', ns === null ? argv.slice(1) : ['netns', 'exec', ns, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.push(child);
    return child;
  }

  /**
   * Removes the guests and listeners, and whatever namespaces with the lab's prefix a failed
   * purge left; host links and tables are the driver's purge to remove.
   */
  async cleanup(): Promise<void> {
    for (const c of this.children) c.kill('SIGKILL');
    for (const ns of await listNamespaces()) {
      if (!ns.startsWith(`${this.prefix}-`)) continue;
      const pids = (await run('ip', ['netns', 'pids', ns]).catch(() => '')).split('\n').filter(Boolean);
      for (const pid of pids) signalIfAlive(Number(pid), 'SIGKILL');
      await run('ip', ['netns', 'del', ns]).catch(() => {});
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

export class Guest {
  constructor(readonly ns: string, private readonly lab: Lab) {}

  exec(argv: string[]): Promise<string> {
    return run('ip', ['netns', 'exec', this.ns, ...argv]);
  }

  succeeds(argv: string[]): Promise<boolean> {
    return this.exec(argv).then(() => true, () => false);
  }

  ping(target: string): Promise<boolean> {
    return this.succeeds(['ping', '-c', '1', '-W', '1', target]);
  }

  /** Whether a TCP connection to `target:port` opens within a second. */
  connects(target: string, port: number): Promise<boolean> {
    return this.succeeds(['nc', '-z', '-w', '1', target, String(port)]);
  }

  /** Runs a DHCP client once and returns what it was offered. */
  async dhcp(): Promise<Record<string, string>> {
    const out = join(this.lab.dir, `lease-${this.ns}`);
    await this.exec(['env', `LEASE_OUT=${out}`, 'busybox', 'udhcpc', '-i', 'eth0', '-n', '-q', '-f', '-t', '5', '-T', '1',
      '-s', join(this.lab.dir, 'udhcpc.sh'), '-O', 'staticroutes', '-O', 'mtu', '-O', 'domain']);
    return Object.fromEntries((await readFile(out, 'utf8')).trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  }

  /** A TCP listener on `port` that accepts any number of connections. */
  listen(port: number): ChildProcess {
    return this.lab.spawnIn(this.ns, ['nc', '-lk', String(port)]);
  }
}

/**
 * The first three octets of a /24 from the benchmarking range (RFC 2544) that nothing on this
 * host routes or holds yet: other clouds on the host may have uplinks of their own.
 */
export async function freeExternalNet(): Promise<string> {
  const used = JSON.stringify([...(await ipJson(null, ['route', 'show', 'table', 'all'])), ...(await ipJson(null, ['addr', 'show']))]);
  for (let tries = 0; tries < 100; tries++) {
    const net = `198.${18 + Math.floor(Math.random() * 2)}.${Math.floor(Math.random() * 256)}`;
    if (!used.includes(`"${net}.`)) return net;
  }
  throw new Error('no free /24 in 198.18.0.0/15 on this host');
}

/** Polls `check` until it holds or `ms` pass; returns its last answer. */
export async function eventually(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > until) return false;
    await sleep(100);
  }
}
