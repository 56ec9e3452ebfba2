import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FirewallRule, NetworkSpec, RouterSpec } from '../../../services/network/driver.ts';
import { ip, ipJson, type Link, run } from './exec.ts';
import { LinuxNetworkDriver } from './linux-network-driver.ts';
import { listNamespaces } from './namespace.ts';
import { eventually, freeExternalNet, type Guest, Lab, liveSkipReason } from './test-kit.ts';

const skip = await liveSkipReason();
const X = skip ? '198.18.0' : await freeExternalNet();
const silent = { info() {}, warn() {}, error() {} };
const rule = (direction: 'ingress' | 'egress', ethertype: 'IPv4' | 'IPv6', more: Partial<FirewallRule> = {}): FirewallRule =>
  ({ direction, ethertype, protocol: null, portRangeMin: null, portRangeMax: null, remoteIpPrefix: null, remoteGroupId: null, ...more });

/** Documentation and benchmarking prefixes only: nothing here can be confused with a real network. */
describe('LinuxNetworkDriver routers (live)', { skip }, () => {
  let lab: Lab;
  let driver: LinuxNetworkDriver;
  let hostServer: Server;
  let hostPort = 0;
  const peers: string[] = [];
  let g1: Guest;
  const ext = randomUUID();
  const net = randomUUID();
  const routerId = randomUUID();
  const ids = { g1: randomUUID(), dhcp: randomUUID(), qg: randomUUID(), qr: randomUUID(), v4: randomUUID(), v6: randomUUID(), extSubnet: randomUUID() };
  const extSpec: NetworkSpec = {
    id: ext, mtu: 1500, adminStateUp: true, dnsDomain: '', dhcpPort: null, hosts: [],
    subnets: [{ id: ids.extSubnet, ipVersion: 4, cidr: `${X}.0/24`, gatewayIp: `${X}.1`, enableDhcp: false, dnsNameservers: [], hostRoutes: [], ipv6RaMode: null, ipv6AddressMode: null }],
    uplink: { address: `${X}.1/24` },
  };
  const netSpec: NetworkSpec = {
    id: net, mtu: 1400, adminStateUp: true, dnsDomain: 'example.org',
    subnets: [
      { id: ids.v4, ipVersion: 4, cidr: '10.0.0.0/24', gatewayIp: '10.0.0.1', enableDhcp: true, dnsNameservers: [], hostRoutes: [], ipv6RaMode: null, ipv6AddressMode: null },
      { id: ids.v6, ipVersion: 6, cidr: '2001:db8:1::/64', gatewayIp: '2001:db8:1::1', enableDhcp: true, dnsNameservers: [], hostRoutes: [], ipv6RaMode: 'slaac', ipv6AddressMode: 'slaac' },
    ],
    dhcpPort: { id: ids.dhcp, mac: 'fa:16:3e:00:02:02', addresses: [{ subnetId: ids.v4, ip: '10.0.0.2' }] },
    hosts: [{ mac: 'fa:16:3e:00:02:05', ip: '10.0.0.5', hostname: 'vm1' }],
    uplink: null,
  };
  const router = (more: Partial<RouterSpec> = {}): RouterSpec => ({
    id: routerId, adminStateUp: true, routes: [], floatingIps: [],
    gateway: { portId: ids.qg, networkId: ext, mac: 'fa:16:3e:00:02:fe', addresses: [{ ip: `${X}.2`, cidr: `${X}.0/24`, ipv6RaMode: null, ipv6AddressMode: null }], gatewayIps: [`${X}.1`], enableSnat: true },
    interfaces: [{ portId: ids.qr, networkId: net, mac: 'fa:16:3e:00:02:01', addresses: [
      { ip: '10.0.0.1', cidr: '10.0.0.0/24', ipv6RaMode: null, ipv6AddressMode: null },
      { ip: '2001:db8:1::1', cidr: '2001:db8:1::/64', ipv6RaMode: 'slaac', ipv6AddressMode: 'slaac' },
    ] }],
    ...more,
  });
  /** EUI-64 of the guest's MAC in the advertised prefix, as Neutron computes it for the port. */
  const SLAAC_IP = '2001:db8:1::f816:3eff:fe00:205';
  const fip = { floatingIp: `${X}.10`, fixedIp: '10.0.0.5' };
  /** Connects from g1 to the host's uplink address and returns the source address the host saw. */
  const sourceSeenByHost = async (): Promise<string | undefined> => {
    const before = peers.length;
    if (!(await g1.connects(`${X}.1`, hostPort))) return undefined;
    await eventually(async () => peers.length > before, 1000);
    return peers.at(-1);
  };
  const hostPing = (target: string): Promise<boolean> => run('ping', ['-c', '1', '-W', '1', target]).then(() => true, () => false);

  before(async () => {
    lab = await Lab.create();
    driver = new LinuxNetworkDriver({ prefix: lab.prefix, runDir: join(lab.dir, 'run'), metadataSocket: join(lab.dir, 'none.sock'), log: silent });
    await driver.start();
    await driver.ensureNetwork(extSpec);
    await driver.ensureNetwork(netSpec);
    await driver.ensureRouter(router());
    g1 = await lab.guest(driver, 'g1', net, ids.g1, 'fa:16:3e:00:02:05');
    await g1.exec(['sysctl', '-q', '-w', 'net.ipv6.conf.eth0.accept_ra=2']);
    // The guest sits behind the usual default security group, so every path below crosses the firewall.
    await driver.applyFirewall({
      ports: [{ portId: ids.g1, networkId: net, mac: 'fa:16:3e:00:02:05', ips: ['10.0.0.5', SLAAC_IP], allowedAddressPairs: [], portSecurityEnabled: true,
        rules: [rule('egress', 'IPv4'), rule('egress', 'IPv6'), rule('ingress', 'IPv4', { protocol: 1 }), rule('ingress', 'IPv4', { protocol: 6, portRangeMin: 8080, portRangeMax: 8080 })] }],
      groups: [],
    });
    hostServer = createServer((s) => { peers.push(s.remoteAddress!); s.destroy(); });
    await new Promise<void>((resolve) => hostServer.listen(0, `${X}.1`, resolve));
    hostPort = (hostServer.address() as { port: number }).port;
    await g1.dhcp();
  });

  after(async () => {
    hostServer?.close();
    try {
      await driver?.purge();
    } finally {
      await lab?.cleanup();
    }
  });

  it('keeps the host from forwarding through its uplink or answering there for other addresses', async () => {
    const table = await run('nft', ['list', 'table', 'inet', `${lab.prefix}-uplink`]);
    assert.match(table, new RegExp(`iifname "${lab.prefix}-pub\\*" drop`));
    assert.match(table, new RegExp(`oifname "${lab.prefix}-pub\\*" drop`));
    assert.match(table, new RegExp(`iifname "${lab.prefix}-pub\\*" fib daddr . iif type != { local, broadcast, multicast } drop`));
  });

  it('reaches the external network through the gateway with SNAT', async () => {
    assert.equal(await sourceSeenByHost(), `${X}.2`);
  });

  it('makes a guest reachable at its floating IP until the floating IP goes', async () => {
    await driver.ensureRouter(router({ floatingIps: [fip] }));
    assert.ok(await hostPing(`${X}.10`));
    g1.listen(8080);
    const connects = (): Promise<boolean> => run('nc', ['-z', '-w', '1', `${X}.10`, '8080']).then(() => true, () => false);
    assert.ok(await eventually(connects, 2000));
    assert.equal(await sourceSeenByHost(), `${X}.10`);
    await driver.ensureRouter(router());
    assert.equal(await hostPing(`${X}.10`), false);
    assert.equal(await sourceSeenByHost(), `${X}.2`);
  });

  it('advertises the IPv6 prefix so guests configure themselves by SLAAC', async () => {
    // Only once duplicate address detection is done does the guest send from that address.
    const global = async (): Promise<boolean> => /inet6 2001:db8:1:0:f816:3eff:fe00:205\/64 scope global dynamic/.test(await g1.exec(['ip', '-6', 'addr', 'show', 'dev', 'eth0', 'scope', 'global']));
    assert.ok(await eventually(global, 15000), 'no SLAAC address');
    assert.ok(await eventually(() => g1.succeeds(['ping', '-6', '-c', '1', '-W', '1', '-I', SLAAC_IP, '2001:db8:1::1']), 3000));
  });

  it('takes its interfaces down while administratively down', async () => {
    await driver.ensureRouter(router({ adminStateUp: false }));
    assert.equal(await g1.ping('10.0.0.1'), false);
    await driver.ensureRouter(router());
    assert.ok(await eventually(() => g1.ping('10.0.0.1'), 3000));
  });

  it('reports and removes the router without a trace', async () => {
    assert.deepEqual(await driver.inventory(), { networks: [ext, net].sort(), routers: [routerId] });
    await driver.removeRouter(routerId);
    await driver.removeRouter(routerId);
    assert.deepEqual((await driver.inventory()).routers, []);
    assert.ok(!(await listNamespaces()).includes(`${lab.prefix}-qrouter-${routerId}`));
    assert.ok(!(await readdir(join(lab.dir, 'run'))).includes(`router-${routerId}`));
    assert.equal((await run('pgrep', ['-af', `router-${routerId}`]).catch(() => '')).trim(), '');
    const taps = (await ipJson<Link>(`${lab.prefix}-int`, ['link', 'show'])).map((l) => l.ifname);
    assert.ok(!taps.includes(`tap${ids.qr.slice(0, 11)}`) && !taps.includes(`tap${ids.qg.slice(0, 11)}`));
  });

  it('leaves nothing on the host after purge', async () => {
    await driver.purge();
    assert.deepEqual((await ipJson<Link>(null, ['link', 'show'])).filter((l) => l.ifname.startsWith(lab.prefix)), []);
    assert.equal((await run('nft', ['list', 'tables'])).includes(`${lab.prefix}-uplink`), false);
    assert.equal(await ip(null, ['route', 'show', `${X}.0/24`]), '');
  });
});
