import { api, launchCloud, login, type Cloud, type Session } from './cloud.ts';
import { formatTable, median, timed } from './tools.ts';
import { Guest, run as runCommand, type PluggablePort } from '../test/e2e/guest.ts';

const ROUNDS = 3;
const IPERF_SECONDS = 3;

/**
 * Port create-to-traffic latency and throughput between two guests (network namespaces) on one
 * sovcloud network (bridge, nftables port firewall, DHCP), against a plain veth pair between two
 * namespaces measured in the same run.
 */
export async function run(): Promise<void> {
  const base = await baseline();
  const cloud = await launchCloud();
  try {
    const got = await measure(cloud, await login(cloud));
    const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
    console.log('\nnetwork: port create to first packet, and TCP throughput between two guests');
    console.log(formatTable(['measure', 'sovcloud', 'plain veth', 'ratio'], [
      ['create-to-traffic ms (median)', got.latencyMs.toFixed(0), base.latencyMs.toFixed(0), ratio(got.latencyMs, base.latencyMs)],
      ['throughput Gbit/s', got.gbps.toFixed(2), base.gbps.toFixed(2), ratio(got.gbps, base.gbps)],
    ]));
  } finally {
    await timed('node', ['--import', 'tsx', 'src/cli/main.ts', 'purge', '--state-dir', cloud.stateDir]);
    console.log(`sovcloud stopped: ${await cloud.close()}`);
  }
}

async function must(cmd: string, args: string[]): Promise<void> {
  const r = await runCommand(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

async function pingUntil(exec: (args: string[]) => Promise<{ code: number }>, ip: string): Promise<void> {
  const deadline = performance.now() + 60_000;
  while ((await exec(['ping', '-c', '1', '-W', '1', ip])).code !== 0) {
    if (performance.now() > deadline) throw new Error(`no answer from ${ip} within 60 s`);
  }
}

/** Bits per second of a TCP stream from `client` to `server` (an iperf3 server runs in `server` meanwhile). */
async function iperf(serverExec: (args: string[]) => Promise<unknown>, clientExec: (args: string[], t?: number) => Promise<{ code: number; stdout: string }>, ip: string): Promise<number> {
  const server = serverExec(['iperf3', '-s', '-1']);
  await new Promise((r) => setTimeout(r, 300));
  const r = await clientExec(['iperf3', '-c', ip, '-t', String(IPERF_SECONDS), '-J'], 30_000);
  await server;
  if (r.code !== 0) throw new Error(`iperf3 failed: ${r.stdout}`);
  return (JSON.parse(r.stdout) as { end: { sum_received: { bits_per_second: number } } }).end.sum_received.bits_per_second;
}

async function baseline(): Promise<{ latencyMs: number; gbps: number }> {
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const [a, b] = [`svbench-a${i}`, `svbench-b${i}`];
    const t0 = performance.now();
    await must('ip', ['netns', 'add', a]);
    await must('ip', ['netns', 'add', b]);
    await must('ip', ['link', 'add', 'eth0', 'netns', a, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', b]);
    await must('ip', ['-n', a, 'addr', 'add', '10.99.0.1/24', 'dev', 'eth0']);
    await must('ip', ['-n', b, 'addr', 'add', '10.99.0.2/24', 'dev', 'eth0']);
    await must('ip', ['-n', a, 'link', 'set', 'eth0', 'up']);
    await must('ip', ['-n', b, 'link', 'set', 'eth0', 'up']);
    await pingUntil((args) => runCommand('ip', ['netns', 'exec', a, ...args]), '10.99.0.2');
    times.push(performance.now() - t0);
    if (i === ROUNDS - 1) {
      const bps = await iperf((args) => runCommand('ip', ['netns', 'exec', b, ...args], 30_000), (args, t) => runCommand('ip', ['netns', 'exec', a, ...args], t), '10.99.0.2');
      await cleanupNs(a, b);
      return { latencyMs: median(times), gbps: bps / 1e9 };
    }
    await cleanupNs(a, b);
  }
  throw new Error('unreachable');
}

async function cleanupNs(...names: string[]): Promise<void> {
  for (const n of names) {
    for (const pid of (await runCommand('ip', ['netns', 'pids', n])).stdout.split('\n').filter(Boolean)) await runCommand('kill', ['-9', pid]);
    await runCommand('ip', ['netns', 'del', n]);
  }
}

async function measure(cloud: Cloud, s: Session): Promise<{ latencyMs: number; gbps: number }> {
  const net = (await api<{ network: { id: string } }>(cloud, s, 'POST', '/network/v2.0/networks', { network: { name: 'bench' } }, [201])).network;
  await api(cloud, s, 'POST', '/network/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.98.0.0/24' } }, [201]);
  const guests: Guest[] = [];
  const boot = async (name: string): Promise<{ guest: Guest; ip: string }> => {
    const port = (await api<{ port: PluggablePort }>(cloud, s, 'POST', '/network/v2.0/ports', { port: { network_id: net.id, 'binding:host_id': 'localhost' } }, [201])).port;
    const guest = await Guest.plug(name, port);
    guests.push(guest);
    return { guest, ip: await guest.dhcp() };
  };
  try {
    const first = await boot('svbench-first');
    const times: number[] = [];
    let last: { guest: Guest; ip: string } | undefined;
    for (let i = 0; i < ROUNDS; i++) {
      const t0 = performance.now();
      last = await boot(`svbench-g${i}`);
      await pingUntil((args) => last!.guest.exec(args), first.ip);
      times.push(performance.now() - t0);
    }
    const bps = await iperf((args) => first.guest.exec(args, 30_000), (args, t) => last!.guest.exec(args, t), first.ip);
    return { latencyMs: median(times), gbps: bps / 1e9 };
  } finally {
    for (const g of guests) await g.remove();
  }
}
