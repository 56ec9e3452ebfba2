import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Nic } from '../../../services/compute/driver.ts';
import { run } from './exec.ts';

/**
 * The network the live tests plug guests into, built only from namespaces of its own: `<p>-net`
 * holds the bridge the guests' taps join (as the network service's namespace would), `<p>-cli`
 * a client on that bridge at 10.99.0.1 running dnsmasq, from where the tests ping and ssh the
 * guests. Nothing touches the host's interfaces.
 */
export class Lab {
  static readonly BRIDGE = 'br0';
  static readonly CLIENT_IP = '10.99.0.1';
  private dnsmasq: ChildProcess | null = null;
  readonly netNs: string;
  readonly cliNs: string;

  private constructor(readonly prefix: string, readonly dir: string) {
    this.netNs = `${prefix}-net`;
    this.cliNs = `${prefix}-cli`;
  }

  static async create(): Promise<Lab> {
    const lab = new Lab(`tq${randomBytes(2).toString('hex')}`, await mkdtemp(join(tmpdir(), 'sovcloud-qemu-')));
    await run('ip', ['netns', 'add', lab.netNs]);
    await run('ip', ['netns', 'add', lab.cliNs]);
    const ipn = (ns: string, ...args: string[]) => run('ip', ['-n', ns, ...args]);
    await ipn(lab.netNs, 'link', 'add', Lab.BRIDGE, 'type', 'bridge');
    await ipn(lab.netNs, 'link', 'set', Lab.BRIDGE, 'up');
    await ipn(lab.netNs, 'link', 'add', 'cli', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', lab.cliNs);
    await ipn(lab.netNs, 'link', 'set', 'cli', 'master', Lab.BRIDGE, 'up');
    await ipn(lab.cliNs, 'addr', 'add', `${Lab.CLIENT_IP}/24`, 'dev', 'eth0');
    await ipn(lab.cliNs, 'link', 'set', 'eth0', 'up');
    await ipn(lab.cliNs, 'link', 'set', 'lo', 'up');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'sovcloud-test', '-f', join(lab.dir, 'id')]);
    return lab;
  }

  /** DHCP on the lab network: each MAC its fixed address. */
  startDhcp(hosts: Record<string, string>): void {
    this.dnsmasq = spawn('ip', ['netns', 'exec', this.cliNs, 'dnsmasq', '--keep-in-foreground', '--no-resolv', '--no-hosts', '--port=0',
      '--interface=eth0', '--bind-interfaces', '--user=root', '--dhcp-range=10.99.0.100,10.99.0.200,255.255.255.0,1h',
      ...Object.entries(hosts).map(([mac, ip]) => `--dhcp-host=${mac},${ip}`), `--dhcp-leasefile=${join(this.dir, 'leases')}`],
    { stdio: 'ignore' });
  }

  nic(portId: string, mac: string): Nic {
    return { portId, mac, mtu: 1500, namespace: this.netNs, bridge: Lab.BRIDGE, device: `tap${portId.slice(0, 11)}` };
  }

  publicKey(): Promise<string> {
    return readFile(join(this.dir, 'id.pub'), 'utf8').then((k) => k.trim());
  }

  ping(ip: string): Promise<boolean> {
    return run('ip', ['netns', 'exec', this.cliNs, 'ping', '-c', '1', '-W', '1', ip]).then(() => true, () => false);
  }

  /** Runs `command` in the guest as its user (sovcloud), retrying while sshd starts. */
  async ssh(ip: string, command: string, ms = 30_000): Promise<string> {
    const until = Date.now() + ms;
    for (;;) {
      try {
        return await run('ip', ['netns', 'exec', this.cliNs, 'ssh', '-i', join(this.dir, 'id'), '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no',
          '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'ConnectTimeout=5', `sovcloud@${ip}`, command]);
      } catch (err) {
        if (Date.now() > until) throw err;
        await sleep(500);
      }
    }
  }

  /** Whether the link exists in the lab's bridge namespace. */
  hasLink(device: string): Promise<boolean> {
    return run('ip', ['-n', this.netNs, 'link', 'show', 'dev', device]).then(() => true, () => false);
  }

  async cleanup(): Promise<void> {
    this.dnsmasq?.kill('SIGKILL');
    for (const ns of [this.cliNs, this.netNs]) {
      for (const pid of (await run('ip', ['netns', 'pids', ns]).catch(() => '')).split('\n').filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await run('ip', ['netns', 'del', ns]).catch(() => {});
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Polls `check` until it holds or `ms` pass; returns its last answer. */
export async function eventually(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > until) return false;
    await sleep(200);
  }
}
