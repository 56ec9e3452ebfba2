import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { Guest, run, type PluggablePort } from './guest.ts';
import { startCloud, type Cloud } from './harness.ts';

// Real traffic through the Linux data plane: network namespaces stand in for VMs on ports, as in
// Neutron's functional tests. Convergence is asynchronous, so reachability is polled both ways.

let cloud: Cloud;
const guests: Guest[] = [];
const state: { g1?: Guest; g2?: Guest; g3?: Guest; p1?: PluggablePort & { fixed_ips: { ip_address: string }[] }; ip1?: string; ip2?: string; fip?: string } = {};

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`needs ${what} from an earlier case, which failed`);
  return value;
}

/** Polls until `probe` returns `want`, so a test sees convergence without sleeping blindly. */
async function eventually(what: string, probe: () => Promise<boolean>, want = true, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await probe()) !== want) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what} is ${want}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A port on `network` bound to this host (admin), with the details to plug a guest into it. */
async function boundPort(cloudName: string, network: string, name: string, extra: string[] = []): Promise<PluggablePort & { fixed_ips: { ip_address: string }[] }> {
  const port = await cloud.osJson(cloudName, ['port', 'create', '--network', network, ...extra, name]);
  await cloud.os('sovcloud-admin', ['port', 'set', '--host', 'localhost', port.id]);
  const shown = await cloud.osJson('sovcloud-admin', ['port', 'show', port.id]);
  // OSC prints Neutron's `binding:vif_details` as `binding_vif_details`.
  return { ...shown, 'binding:vif_details': shown.binding_vif_details };
}

async function plug(name: string, port: PluggablePort): Promise<Guest> {
  const g = await Guest.plug(name, port);
  guests.push(g);
  return g;
}

before(async () => {
  cloud = await startCloud();
});

after(async () => {
  for (const g of guests) await g.remove();
  await cloud?.stop();
});

test('two guests on one network get addresses by DHCP and reach each other; another project with the same CIDR reaches neither', async () => {
  state.p1 = await boundPort('sovcloud-demo', 'default-network', 'g1');
  const p2 = await boundPort('sovcloud-demo', 'default-network', 'g2');
  state.g1 = await plug('g1', state.p1);
  state.g2 = await plug('g2', p2);
  state.ip1 = await state.g1.dhcp();
  state.ip2 = await state.g2.dhcp();
  assert.equal(state.ip1, state.p1.fixed_ips[0]!.ip_address);
  assert.equal(state.ip2, p2.fixed_ips[0]!.ip_address);
  // Both are in the project's default group, which admits members of the same group.
  await eventually('g1 pings g2', () => state.g1!.pings(state.ip2!));

  await cloud.os('sovcloud-admin', ['project', 'create', 'other']);
  const otherNet = await cloud.osJson('sovcloud-admin', ['network', 'list', '--project', 'other', '--name', 'default-network']);
  const p3 = await boundPort('sovcloud-admin', otherNet[0].ID, 'g3', ['--project', 'other', '--no-security-group', '--disable-port-security']);
  state.g3 = await plug('g3', p3);
  const ip3 = await state.g3.dhcp();
  assert.match(ip3, /^10\.0\.0\./);
  const targets = [state.ip1, state.ip2].filter((ip) => ip !== ip3);
  for (const ip of targets) assert.equal(await state.g3.pings(ip!), false, `a guest of another project reached ${ip}`);
});

test('an address freed by a deleted port is leased again to the next port that gets it', async () => {
  const first = await boundPort('sovcloud-demo', 'default-network', 'reuse-1', ['--fixed-ip', 'ip-address=10.0.0.200']);
  const g = await plug('reuse1', first);
  assert.equal(await g.dhcp(), '10.0.0.200');
  await g.remove();
  await cloud.os('sovcloud-demo', ['port', 'delete', first.id]);
  const second = await boundPort('sovcloud-demo', 'default-network', 'reuse-2', ['--fixed-ip', 'ip-address=10.0.0.200']);
  assert.notEqual(second.mac_address, first.mac_address);
  assert.equal(await (await plug('reuse2', second)).dhcp(), '10.0.0.200');
});

test('security groups: a blocked port opens with a rule and closes when it is removed; remote groups; egress', async () => {
  const g1 = need(state.g1, 'guest g1');
  const g2 = need(state.g2, 'guest g2');
  const p1 = need(state.p1, 'port of g1');
  await g1.listen(8080);
  // The default group admits members of the group: g2 reaches g1.
  await eventually('g2 connects to g1:8080 as a group member', () => g2.connects(state.ip1!, 8080));
  const web = await cloud.osJson('sovcloud-demo', ['security', 'group', 'create', 'web']);
  await cloud.os('sovcloud-demo', ['port', 'set', '--no-security-group', '--security-group', 'web', p1.id]);
  await eventually('g2 is blocked from g1:8080', () => g2.connects(state.ip1!, 8080), false);
  const rule = await cloud.osJson('sovcloud-demo', ['security', 'group', 'rule', 'create', '--protocol', 'tcp', '--dst-port', '8080', '--remote-ip', `${state.ip2}/32`, 'web']);
  await eventually('a rule opens g1:8080', () => g2.connects(state.ip1!, 8080));
  await cloud.os('sovcloud-demo', ['security', 'group', 'rule', 'delete', rule.id]);
  await eventually('removing the rule closes g1:8080', () => g2.connects(state.ip1!, 8080), false);
  // A remote-group rule: members of `default` (g2) may connect.
  const byGroup = await cloud.osJson('sovcloud-demo', ['security', 'group', 'rule', 'create', '--protocol', 'tcp', '--dst-port', '8080', '--remote-group', 'default', 'web']);
  await eventually('a remote-group rule admits g2', () => g2.connects(state.ip1!, 8080));
  await cloud.os('sovcloud-demo', ['security', 'group', 'rule', 'delete', byGroup.id]);
  await eventually('without it g2 is blocked again', () => g2.connects(state.ip1!, 8080), false);
  // Egress defaults hold: g1 (in `web`, egress allowed) reaches out, here to the host behind the router.
  await withHostListener(async (hostIp, port) => {
    await eventually('g1 reaches out', () => g1.connects(hostIp, port));
    const egress = (await cloud.osJson<{ ID: string; Direction: string }[]>('sovcloud-demo', ['security', 'group', 'rule', 'list', web.id])).filter((r) => r.Direction === 'egress');
    await cloud.os('sovcloud-demo', ['security', 'group', 'rule', 'delete', ...egress.map((r) => r.ID)]);
    await eventually('without egress rules g1 cannot reach out', () => g1.connects(hostIp, port), false);
  });
});

/** Runs `use` while a TCP server listens on the host's address on `public`; returns the peers it saw. */
async function withHostListener(use: (hostIp: string, port: number) => Promise<void>): Promise<string[]> {
  // The host holds the external subnet's gateway address, as an upstream router would.
  const hostIp = (await cloud.osJson('sovcloud-admin', ['subnet', 'show', 'public-subnet'])).gateway_ip as string;
  const seen: string[] = [];
  const server = createServer((s) => { seen.push(s.remoteAddress ?? ''); s.end(); });
  await new Promise<void>((resolve) => server.listen(0, hostIp, resolve));
  try {
    await use(hostIp, (server.address() as AddressInfo).port);
  } finally {
    server.close();
  }
  return seen;
}

test('router: a guest reaches the external network through SNAT; a floating IP makes it reachable from the host until disassociated', async () => {
  const g1 = need(state.g1, 'guest g1');
  await cloud.os('sovcloud-demo', ['port', 'set', '--no-security-group', '--security-group', 'ssh-icmp', '--security-group', 'default', need(state.p1, 'port of g1').id]);
  const router = await cloud.osJson('sovcloud-demo', ['router', 'show', 'default-router']);
  const gatewayIp = router.external_gateway_info.external_fixed_ips[0].ip_address as string;
  const seen = await withHostListener((hostIp, port) => eventually('g1 reaches the host on the external network', () => g1.connects(hostIp, port)));
  assert.ok(seen.length > 0 && seen.every((a) => a.endsWith(gatewayIp)), `the host saw ${seen.join(', ')}, not the router's ${gatewayIp}`);
  await g1.listen(22);
  const fip = await cloud.osJson('sovcloud-demo', ['floating', 'ip', 'create', '--port', need(state.p1, 'port of g1').id, 'public']);
  state.fip = fip.floating_ip_address;
  const hostPing = () => run('ping', ['-c', '1', '-W', '1', fip.floating_ip_address]).then((r) => r.code === 0);
  const hostSsh = () => run('nc', ['-z', '-w', '2', fip.floating_ip_address, '22']).then((r) => r.code === 0);
  await eventually('the host pings the floating IP', hostPing);
  await eventually('the host reaches port 22 behind the floating IP', hostSsh);
  await cloud.os('sovcloud-demo', ['floating', 'ip', 'unset', '--port', fip.id]);
  await eventually('the floating IP is cut after disassociation', hostPing, false);
});

test('IPv6 SLAAC: the guest configures its address from router advertisements', async () => {
  const g1 = need(state.g1, 'guest g1');
  const subnet = await cloud.osJson('sovcloud-demo', ['subnet', 'create', '--network', 'default-network', '--ip-version', '6', '--subnet-range', '2001:db8:10::/64',
    '--ipv6-ra-mode', 'slaac', '--ipv6-address-mode', 'slaac', 'v6']);
  await cloud.os('sovcloud-demo', ['router', 'add', 'subnet', 'default-router', subnet.id]);
  const port = await cloud.osJson('sovcloud-demo', ['port', 'show', need(state.p1, 'port of g1').id]);
  const v6 = (port.fixed_ips as { ip_address: string }[]).find((f) => f.ip_address.includes(':'))!.ip_address;
  await g1.exec(['sysctl', '-w', 'net.ipv6.conf.eth0.accept_ra=2']);
  await eventually(`g1 configures ${v6}`, async () => (await g1.exec(['ip', '-6', 'addr', 'show', 'dev', 'eth0', 'scope', 'global'])).stdout.includes(v6), true, 30_000);
});

test('after a crash the data plane converges to the database; deleting removes every device, rule and daemon', async () => {
  const net = await cloud.osJson('sovcloud-demo', ['network', 'create', 'short-lived']);
  await cloud.osJson('sovcloud-demo', ['subnet', 'create', '--network', 'short-lived', '--subnet-range', '10.9.0.0/24', 'short-lived-subnet']);
  const router = await cloud.osJson('sovcloud-demo', ['router', 'create', '--external-gateway', 'public', 'short-router']);
  await cloud.os('sovcloud-demo', ['router', 'add', 'subnet', 'short-router', 'short-lived-subnet']);
  const port = await boundPort('sovcloud-demo', 'short-lived', 'short-port');
  const vif = port['binding:vif_details'];
  await cloud.crash();
  await cloud.restart();
  const namespaces = async () => (await run('ip', ['netns', 'list'])).stdout;
  const daemons = async (id: string) => (await run('ps', ['-eo', 'args'])).stdout.split('\n').filter((l) => l.includes(id) && !l.includes('ps -eo'));
  const firewall = async () => (await run('ip', ['netns', 'exec', vif.namespace, 'nft', 'list', 'ruleset'])).stdout;
  await eventually('the network, router and port exist after restart', async () => (await namespaces()).includes(net.id) && (await namespaces()).includes(router.id)
    && (await daemons(net.id)).length > 0 && (await firewall()).includes(vif.device_name));
  await cloud.os('sovcloud-demo', ['port', 'delete', port.id]);
  await cloud.os('sovcloud-demo', ['router', 'remove', 'subnet', 'short-router', 'short-lived-subnet']);
  await cloud.os('sovcloud-demo', ['router', 'delete', 'short-router']);
  await cloud.os('sovcloud-demo', ['network', 'delete', 'short-lived']);
  await cloud.crash();
  await cloud.restart();
  await eventually('nothing of the deleted network, router and port is left', async () => !(await namespaces()).includes(net.id) && !(await namespaces()).includes(router.id)
    && (await daemons(net.id)).length === 0 && (await daemons(router.id)).length === 0 && !(await firewall()).includes(vif.device_name)
    && !(await run('ip', ['-n', vif.namespace, 'link', 'show', vif.bridge_name])).stdout.includes(vif.bridge_name));
  // What the database still has keeps working: g2 reaches g1 again after two crashes.
  await eventually('g2 still reaches g1 after the restarts', () => need(state.g2, 'guest g2').pings(need(state.ip1, 'address of g1')));
});
