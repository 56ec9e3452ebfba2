import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { NetworkSpec } from '../../../services/network/driver.ts';
import { findDaemon } from './daemon.ts';
import { ipJson, type Link, run } from './exec.ts';
import { LinuxNetworkDriver } from './linux-network-driver.ts';
import { listNamespaces } from './namespace.ts';
import { type Guest, Lab, liveSkipReason } from './test-kit.ts';

const skip = await liveSkipReason();
const silent = { info() {}, warn() {}, error() {} };

function network(id: string, hosts: NetworkSpec['hosts'], dhcpPortId: string): NetworkSpec {
  const subnetId = randomUUID();
  return {
    id, mtu: 1450, adminStateUp: true, dnsDomain: 'example.org.',
    subnets: [{ id: subnetId, ipVersion: 4, cidr: '10.0.0.0/24', gatewayIp: '10.0.0.1', enableDhcp: true, dnsNameservers: [], hostRoutes: [{ destination: '192.168.7.0/24', nexthop: '10.0.0.9' }], ipv6RaMode: null, ipv6AddressMode: null }],
    dhcpPort: { id: dhcpPortId, mac: 'fa:16:3e:00:00:02', addresses: [{ subnetId, ip: '10.0.0.2' }] },
    hosts, uplink: null,
  };
}

describe('LinuxNetworkDriver networks (live)', { skip }, () => {
  let lab: Lab;
  let driver: LinuxNetworkDriver;
  let metadata: Server;
  const seen: Record<string, string | string[] | undefined>[] = [];
  const netA = randomUUID();
  const netB = randomUUID();
  const ports = { g1: randomUUID(), g2: randomUUID(), g3: randomUUID(), dhcpA: randomUUID(), dhcpB: randomUUID() };
  let specA: NetworkSpec;
  let specB: NetworkSpec;
  const guests: Record<string, Guest> = {};

  before(async () => {
    lab = await Lab.create();
    const socket = join(lab.dir, 'metadata.sock');
    metadata = createServer((req, res) => { seen.push(req.headers); res.end(`network ${req.headers['x-sovcloud-network-id']} path ${req.url}`); });
    await new Promise<void>((resolve) => metadata.listen(socket, resolve));
    driver = new LinuxNetworkDriver({ prefix: lab.prefix, runDir: join(lab.dir, 'run'), metadataSocket: socket, log: silent });
    await driver.start();
    specA = network(netA, [
      { mac: 'fa:16:3e:00:00:05', ip: '10.0.0.5', hostname: 'vm1' },
      { mac: 'fa:16:3e:00:00:06', ip: '10.0.0.6', hostname: 'vm2' },
    ], ports.dhcpA);
    // The same addresses on a second network: only the bridge keeps them apart.
    specB = network(netB, [{ mac: 'fa:16:3e:00:00:07', ip: '10.0.0.5', hostname: 'vm3' }], ports.dhcpB);
    await Promise.all([driver.ensureNetwork(specA), driver.ensureNetwork(specB)]);
    guests.g1 = await lab.guest(driver, 'g1', netA, ports.g1, 'fa:16:3e:00:00:05');
    guests.g2 = await lab.guest(driver, 'g2', netA, ports.g2, 'fa:16:3e:00:00:06');
    guests.g3 = await lab.guest(driver, 'g3', netB, ports.g3, 'fa:16:3e:00:00:07');
  });

  after(async () => {
    try {
      await driver?.purge();
    } finally {
      await lab?.cleanup();
    }
    metadata?.close();
  });

  it('hands each guest its address, routes, DNS server and domain by DHCP', async () => {
    const [l1, l2] = await Promise.all([guests.g1!.dhcp(), guests.g2!.dhcp()]);
    assert.equal(l1.ip, '10.0.0.5');
    assert.equal(l2.ip, '10.0.0.6');
    assert.equal(l1.router, '10.0.0.1');
    assert.equal(l1.dns, '10.0.0.2');
    assert.equal(l1.domain, 'example.org');
    assert.equal(l1.mtu, '1450');
    assert.equal(l1.staticroutes, '169.254.169.254/32 10.0.0.2 192.168.7.0/24 10.0.0.9 0.0.0.0/0 10.0.0.1');
  });

  it('connects guests of one network', async () => {
    assert.ok(await guests.g1!.ping('10.0.0.6'));
  });

  it('keeps a network with the same CIDR apart', async () => {
    assert.equal((await guests.g3!.dhcp()).ip, '10.0.0.5');
    assert.equal(await guests.g3!.ping('10.0.0.6'), false);
    // g1 holds 10.0.0.5 too; g3 must find neither it nor network A's DHCP server.
    const neighbours = await guests.g3!.exec(['ip', 'neigh', 'show']);
    assert.doesNotMatch(neighbours, /fa:16:3e:00:00:0[56]/);
  });

  it('resolves hosts under the network domain', async () => {
    const answer = await guests.g1!.exec(['dig', '+short', '+time=1', '+tries=2', '@10.0.0.2', 'vm2.example.org']);
    assert.equal(answer.trim(), '10.0.0.6');
  });

  it('proxies metadata requests with the network and the guest address', async () => {
    const body = await guests.g1!.exec(['curl', '-sf', '-m', '3', '-H', 'X-Sovcloud-Network-Id: forged', 'http://169.254.169.254/openstack/latest/meta_data.json']);
    assert.equal(body, `network ${netA} path /openstack/latest/meta_data.json`);
    assert.equal(seen.at(-1)!['x-forwarded-for'], '10.0.0.5');
    assert.equal(await guests.g3!.exec(['curl', '-sf', '-m', '3', 'http://169.254.169.254/']), `network ${netB} path /`);
  });

  it('re-applies an unchanged spec cheaply and reloads dnsmasq in place on host changes', async () => {
    const pidFile = join(lab.dir, 'run', `network-${netA}`, 'dnsmasq.pid');
    const before = await findDaemon(pidFile, 'dnsmasq');
    const started = performance.now();
    await driver.ensureNetwork(specA);
    const took = performance.now() - started;
    assert.ok(took < 500, `unchanged ensureNetwork took ${took.toFixed(0)} ms`);
    specA = { ...specA, hosts: [...specA.hosts, { mac: 'fa:16:3e:00:00:08', ip: '10.0.0.8', hostname: 'vm4' }] };
    await driver.ensureNetwork(specA);
    assert.equal((await findDaemon(pidFile, 'dnsmasq'))?.pid, before?.pid);
    const answer = await guests.g1!.exec(['dig', '+short', '+time=1', '+tries=2', '@10.0.0.2', 'vm4.example.org']);
    assert.equal(answer.trim(), '10.0.0.8');
  });

  it('stops serving DHCP when no subnet has it enabled', async () => {
    const noDhcp = { ...specB, subnets: specB.subnets.map((s) => ({ ...s, enableDhcp: false })) };
    await driver.ensureNetwork(noDhcp);
    assert.equal(await findDaemon(join(lab.dir, 'run', `network-${netB}`, 'dnsmasq.pid'), 'dnsmasq'), null);
    assert.equal(await guests.g3!.exec(['curl', '-sf', '-m', '3', 'http://169.254.169.254/']), `network ${netB} path /`);
    await driver.ensureNetwork(specB);
  });

  it('reports the networks it has on the host', async () => {
    assert.deepEqual(await driver.inventory(), { networks: [netA, netB].sort(), routers: [] });
  });

  it('removes a network without a trace and keeps the other', async () => {
    await driver.removeNetwork(netB);
    await driver.removeNetwork(netB);
    assert.deepEqual((await driver.inventory()).networks, [netA]);
    assert.ok(!(await listNamespaces()).includes(`${lab.prefix}-dhcp-${netB}`));
    const bridges = await ipJson<Link>(`${lab.prefix}-int`, ['link', 'show', 'type', 'bridge']);
    assert.deepEqual(bridges.map((b) => b.ifalias), [netA]);
    assert.deepEqual(await readdir(join(lab.dir, 'run')), [`network-${netA}`]);
    assert.equal(await daemonsUnder(join(lab.dir, 'run', `network-${netB}`)), '');
    assert.equal((await guests.g1!.exec(['curl', '-sf', '-m', '3', 'http://169.254.169.254/'])), `network ${netA} path /`);
  });

  it('purges everything it created', async () => {
    await driver.purge();
    assert.deepEqual((await listNamespaces()).filter((n) => /-(int|dhcp-.*|qrouter-.*)$/.test(n) && n.startsWith(`${lab.prefix}-`)), []);
    assert.equal(await daemonsUnder(join(lab.dir, 'run')), '');
    await assert.rejects(readdir(join(lab.dir, 'run')), { code: 'ENOENT' });
    assert.deepEqual(await driver.inventory(), { networks: [], routers: [] });
  });
});

/** Live processes whose command line mentions `dir`. */
async function daemonsUnder(dir: string): Promise<string> {
  return (await run('pgrep', ['-af', dir]).catch(() => '')).trim();
}
