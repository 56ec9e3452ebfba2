import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { http, startCloud, type ApiResponse, type AuthEnv, type Cloud } from './harness.ts';

// Debian's `openstack` CLI against the Neutron API; cases run in file order and share what they make.

let cloud: Cloud;
let demoToken = '';
let other: AuthEnv;
const state: { net?: string; subnet?: string; demoNet?: string; demoSubnet?: string; publicNet?: string } = {};

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`needs ${what} from an earlier case, which failed`);
  return value;
}

function api(method: string, path: string, body?: unknown, token = demoToken): Promise<ApiResponse> {
  return http(`${cloud.url}/network${path}`, method, { headers: { 'X-Auth-Token': token }, body });
}

before(async () => {
  cloud = await startCloud();
  const clouds = parseYaml(await readFile(cloud.cloudsYaml, 'utf8')).clouds;
  const res = await http(`${cloud.url}/identity/v3/auth/tokens`, 'POST', {
    body: { auth: { identity: { methods: ['password'], password: { user: { name: 'demo', domain: { id: 'default' }, password: clouds['sovcloud-demo'].auth.password } } }, scope: { project: { name: 'demo', domain: { id: 'default' } } } } },
  });
  demoToken = res.headers.get('x-subject-token')!;
});

after(async () => {
  await cloud?.stop();
});

test('the demo project starts with a network, a router on public and an ssh-icmp group', async () => {
  const nets = await cloud.osJson<{ ID: string; Name: string }[]>('sovcloud-demo', ['network', 'list']);
  const pub = nets.find((n) => n.Name === 'public');
  const own = nets.find((n) => n.Name === 'default-network');
  assert.ok(pub && own, JSON.stringify(nets));
  state.publicNet = pub.ID;
  state.demoNet = own.ID;
  const router = await cloud.osJson('sovcloud-demo', ['router', 'show', 'default-router']);
  assert.equal(router.external_gateway_info.network_id, pub.ID);
  assert.ok(router.external_gateway_info.external_fixed_ips[0].ip_address.startsWith(cloud.publicCidr.replace(/0\/24$/, '')));
  const ports = await cloud.osJson<{ 'Fixed IP Addresses': { ip_address: string; subnet_id: string }[] }[]>('sovcloud-demo', ['port', 'list', '--router', 'default-router']);
  assert.equal(ports.length, 1);
  assert.equal(ports[0]!['Fixed IP Addresses'][0]!.ip_address, '10.0.0.1');
  state.demoSubnet = ports[0]!['Fixed IP Addresses'][0]!.subnet_id;
  const rules = await cloud.osJson<{ 'IP Protocol': string; 'Port Range': string; Direction: string; 'IP Range': string }[]>('sovcloud-demo', ['security', 'group', 'rule', 'list', 'ssh-icmp']);
  const ingress = rules.filter((r) => r.Direction === 'ingress');
  assert.ok(ingress.some((r) => r['IP Protocol'] === 'tcp' && r['Port Range'] === '22:22' && r['IP Range'] === '0.0.0.0/0'), JSON.stringify(rules));
  assert.ok(ingress.some((r) => r['IP Protocol'] === 'icmp'), JSON.stringify(rules));
  const subnet = await cloud.osJson('sovcloud-demo', ['subnet', 'show', 'default-subnet']);
  assert.equal(subnet.cidr, '10.0.0.0/24');
  assert.equal(subnet.gateway_ip, '10.0.0.1');
  assert.equal(subnet.enable_dhcp, true);
});

test('a project created later gets the same defaults; its member sees public but not the demo network', async () => {
  await cloud.osJson('sovcloud-admin', ['project', 'create', 'tenant2']);
  await cloud.osJson('sovcloud-admin', ['user', 'create', '--project', 'tenant2', '--password', 'secret-2-pass', 'user2']);
  await cloud.os('sovcloud-admin', ['role', 'add', '--project', 'tenant2', '--user', 'user2', 'member']);
  other = { OS_AUTH_URL: `${cloud.url}/identity/v3`, OS_USERNAME: 'user2', OS_PASSWORD: 'secret-2-pass', OS_PROJECT_NAME: 'tenant2', OS_USER_DOMAIN_NAME: 'Default', OS_PROJECT_DOMAIN_NAME: 'Default' };
  const nets = await cloud.osJson<{ ID: string; Name: string }[]>(other, ['network', 'list']);
  assert.deepEqual(nets.map((n) => n.Name).sort(), ['default-network', 'public']);
  assert.ok(!nets.some((n) => n.ID === state.demoNet));
  const err = await cloud.osFail(other, ['network', 'show', need(state.demoNet, 'the demo network')]);
  assert.match(err, /No Network found|could not be found/);
  const router = await cloud.osJson(other, ['router', 'show', 'default-router']);
  assert.equal(router.external_gateway_info.network_id, state.publicNet);
  // Another project's subnet is not there for this project's router.
  const res = await api('PUT', `/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: state.demoSubnet }, await tokenOf(other));
  assert.equal(res.status, 404, res.text);
  assert.equal(res.body.NeutronError.type, 'SubnetNotFound');
});

async function tokenOf(env: AuthEnv): Promise<string> {
  const r = await cloud.os(env, ['token', 'issue', '-f', 'value', '-c', 'id']);
  return r.stdout.trim();
}

test('the default group follows scs-0115 and the default rules API says which rules it uses', async () => {
  const groups = await cloud.osJson<{ ID: string; Name: string }[]>('sovcloud-demo', ['security', 'group', 'list']);
  const def = groups.find((g) => g.Name === 'default');
  assert.ok(def);
  const rules = await cloud.osJson<Record<string, string | null>[]>('sovcloud-demo', ['security', 'group', 'rule', 'list', '--long', def.ID]);
  const ingress = rules.filter((r) => r.Direction === 'ingress');
  const egress = rules.filter((r) => r.Direction === 'egress');
  assert.deepEqual(ingress.map((r) => r.Ethertype).sort(), ['IPv4', 'IPv6']);
  assert.ok(ingress.every((r) => r['Remote Security Group'] === def.ID), JSON.stringify(ingress));
  assert.deepEqual(egress.map((r) => r.Ethertype).sort(), ['IPv4', 'IPv6']);
  assert.ok(egress.every((r) => r['IP Protocol'] === null || r['IP Protocol'] === 'any'), JSON.stringify(egress));
  const res = await api('GET', '/v2.0/default-security-group-rules');
  assert.equal(res.status, 200);
  const templates = res.body.default_security_group_rules as { direction: string; remote_group_id: string | null; used_in_default_sg: boolean; used_in_non_default_sg: boolean }[];
  assert.equal(templates.length, 4);
  for (const t of templates) {
    if (t.direction === 'ingress') assert.deepEqual([t.remote_group_id, t.used_in_default_sg, t.used_in_non_default_sg], ['PARENT', true, false]);
    else assert.deepEqual([t.used_in_default_sg, t.used_in_non_default_sg], [true, true]);
  }
});

test('networks, subnets and ports: create, filter, fields, addresses and their errors', async () => {
  const net = await cloud.osJson('sovcloud-demo', ['network', 'create', '--tag', 'blue', 'app-net']);
  state.net = net.id;
  assert.equal(net.status, 'ACTIVE');
  assert.equal(net.mtu, 1500);
  const subnet = await cloud.osJson('sovcloud-demo', ['subnet', 'create', '--network', 'app-net', '--subnet-range', '192.168.50.0/24',
    '--allocation-pool', 'start=192.168.50.100,end=192.168.50.200', '--dns-nameserver', '192.0.2.53', '--host-route', 'destination=198.51.100.0/24,gateway=192.168.50.9', 'app-subnet']);
  state.subnet = subnet.id;
  assert.deepEqual(subnet.allocation_pools, [{ start: '192.168.50.100', end: '192.168.50.200' }]);
  assert.deepEqual(subnet.dns_nameservers, ['192.0.2.53']);
  let err = await cloud.osFail('sovcloud-demo', ['subnet', 'create', '--network', 'app-net', '--subnet-range', '192.168.50.128/25', 'clash']);
  assert.match(err, /overlaps with another subnet/);
  err = await cloud.osFail('sovcloud-demo', ['subnet', 'create', '--network', 'app-net', '--subnet-range', '192.168.60.0/24', '--gateway', '192.168.60.10', '--allocation-pool', 'start=192.168.60.5,end=192.168.60.20', 'gw-in-pool']);
  assert.match(err, /conflicts with allocation pool/);

  const port = await cloud.osJson('sovcloud-demo', ['port', 'create', '--network', 'app-net', '--fixed-ip', 'subnet=app-subnet,ip-address=192.168.50.150', 'p1']);
  assert.deepEqual(port.fixed_ips, [{ subnet_id: subnet.id, ip_address: '192.168.50.150' }]);
  assert.match(port.mac_address, /^fa:16:3e(:[0-9a-f]{2}){3}$/);
  err = await cloud.osFail('sovcloud-demo', ['port', 'create', '--network', 'app-net', '--fixed-ip', 'subnet=app-subnet,ip-address=192.168.50.150', 'p2']);
  assert.match(err, /already allocated/);
  const auto = await cloud.osJson('sovcloud-demo', ['port', 'create', '--network', 'app-net', 'p3']);
  // The DHCP port took the pool's first address.
  assert.equal(auto.fixed_ips[0].ip_address, '192.168.50.101');
  const dhcp = await cloud.osJson<{ 'Fixed IP Addresses': { ip_address: string }[] }[]>('sovcloud-demo', ['port', 'list', '--network', 'app-net', '--device-owner', 'network:dhcp']);
  assert.equal(dhcp[0]!['Fixed IP Addresses'][0]!.ip_address, '192.168.50.100');

  const filtered = await api('GET', `/v2.0/ports?network_id=${net.id}&fixed_ips=ip_address%3D192.168.50.150&fields=id&fields=name`);
  assert.deepEqual(filtered.body.ports, [{ id: port.id, name: 'p1' }]);
  const tagged = await api('GET', '/v2.0/networks?tags=blue&fields=name');
  assert.deepEqual(tagged.body.networks, [{ name: 'app-net' }]);
  const paged = await api('GET', '/v2.0/ports?limit=1&sort_key=name&sort_dir=asc');
  assert.equal(paged.body.ports.length, 1);
  assert.equal(paged.body.ports_links[0].rel, 'next');

  const bad = await api('POST', '/v2.0/networks', { network: { admin_state_up: 'maybe' } });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.NeutronError.type, 'HTTPBadRequest');
  assert.match(bad.body.NeutronError.message, /admin_state_up/);
  const missing = await api('GET', '/v2.0/networks/00000000-0000-0000-0000-000000000000');
  assert.deepEqual(missing.body, { NeutronError: { type: 'NetworkNotFound', message: 'Network 00000000-0000-0000-0000-000000000000 could not be found.', detail: '' } });
  const shared = await api('POST', '/v2.0/networks', { network: { name: 'x', shared: true } });
  assert.equal(shared.status, 403, shared.text);

  err = await cloud.osFail('sovcloud-demo', ['network', 'delete', 'app-net']);
  assert.match(err, /in use/i);
  await cloud.os('sovcloud-demo', ['port', 'delete', 'p1', 'p3']);
});

test('routers: interfaces by subnet and port, static routes, gateway errors', async () => {
  const r = await cloud.osJson('sovcloud-demo', ['router', 'create', 'r2']);
  assert.equal(r.external_gateway_info, null);
  await cloud.os('sovcloud-demo', ['router', 'add', 'subnet', 'r2', 'app-subnet']);
  const ifaces = await cloud.osJson<{ 'Fixed IP Addresses': { ip_address: string }[] }[]>('sovcloud-demo', ['port', 'list', '--router', 'r2']);
  assert.equal(ifaces[0]!['Fixed IP Addresses'][0]!.ip_address, '192.168.50.1');
  let err = await cloud.osFail('sovcloud-demo', ['router', 'add', 'subnet', 'r2', 'app-subnet']);
  assert.match(err, /already has a port on subnet/);
  await cloud.os('sovcloud-demo', ['router', 'set', '--route', 'destination=198.51.100.0/24,gateway=192.168.50.9', 'r2']);
  const shown = await cloud.osJson('sovcloud-demo', ['router', 'show', 'r2']);
  assert.deepEqual(shown.routes, [{ destination: '198.51.100.0/24', nexthop: '192.168.50.9' }]);
  err = await cloud.osFail('sovcloud-demo', ['router', 'set', '--route', 'destination=198.51.100.0/24,gateway=172.16.0.1', 'r2']);
  assert.match(err, /nexthop is not connected with router/);
  err = await cloud.osFail('sovcloud-demo', ['router', 'set', '--external-gateway', 'app-net', 'r2']);
  assert.match(err, /not a valid external network/);
  await cloud.os('sovcloud-demo', ['router', 'set', '--external-gateway', 'public', 'r2']);
  err = await cloud.osFail('sovcloud-demo', ['router', 'delete', 'r2']);
  assert.match(err, /still has ports/);
  await cloud.os('sovcloud-demo', ['router', 'unset', '--route', 'destination=198.51.100.0/24,gateway=192.168.50.9', 'r2']);
  await cloud.os('sovcloud-demo', ['router', 'remove', 'subnet', 'r2', 'app-subnet']);
  const del = await cloud.os('sovcloud-demo', ['router', 'delete', 'r2']);
  assert.equal(del.code, 0, del.stderr);
});

test('floating IPs: allocate from public, associate to a port behind a router, filter by port, disassociate', async () => {
  const port = await cloud.osJson('sovcloud-demo', ['port', 'create', '--network', 'default-network', 'vm-port']);
  const fip = await cloud.osJson('sovcloud-demo', ['floating', 'ip', 'create', 'public']);
  assert.ok(fip.floating_ip_address.startsWith(cloud.publicCidr.replace(/0\/24$/, '')), fip.floating_ip_address);
  assert.equal(fip.status, 'DOWN');
  await cloud.os('sovcloud-demo', ['floating', 'ip', 'set', '--port', 'vm-port', fip.id]);
  const listed = await cloud.osJson<{ ID: string; 'Fixed IP Address': string; Port: string }[]>('sovcloud-demo', ['floating', 'ip', 'list', '--port', port.id]);
  assert.deepEqual(listed.map((f) => [f.ID, f['Fixed IP Address']]), [[fip.id, port.fixed_ips[0].ip_address]]);
  const shown = await cloud.osJson('sovcloud-demo', ['floating', 'ip', 'show', fip.id]);
  assert.equal(shown.status, 'ACTIVE');
  const router = await cloud.osJson('sovcloud-demo', ['router', 'show', 'default-router']);
  assert.equal(shown.router_id, router.id);
  // app-net has no router to public: Neutron refuses with ExternalGatewayForFloatingIPNotFound.
  const lone = await cloud.osJson('sovcloud-demo', ['port', 'create', '--network', 'app-net', 'lone']);
  const res = await api('PUT', `/v2.0/floatingips/${fip.id}`, { floatingip: { port_id: lone.id } });
  assert.equal(res.status, 404);
  assert.equal(res.body.NeutronError.type, 'ExternalGatewayForFloatingIPNotFound');
  await cloud.os('sovcloud-demo', ['floating', 'ip', 'unset', '--port', fip.id]);
  assert.equal((await cloud.osJson('sovcloud-demo', ['floating', 'ip', 'show', fip.id])).port_id, null);
  await cloud.os('sovcloud-demo', ['floating', 'ip', 'delete', fip.id]);
  await cloud.os('sovcloud-demo', ['port', 'delete', 'vm-port', 'lone']);
});

test('security groups: rules with ports, protocols, remote groups and prefixes; duplicates and bad rules refused', async () => {
  const g = await cloud.osJson('sovcloud-demo', ['security', 'group', 'create', 'web']);
  // A non-default group starts with egress only.
  assert.deepEqual(g.rules.map((r: { direction: string }) => r.direction).sort(), ['egress', 'egress']);
  const rule = await cloud.osJson('sovcloud-demo', ['security', 'group', 'rule', 'create', '--protocol', 'tcp', '--dst-port', '80:443', '--remote-ip', '198.51.100.0/24', 'web']);
  assert.deepEqual([rule.port_range_min, rule.port_range_max, rule.remote_ip_prefix], [80, 443, '198.51.100.0/24']);
  let err = await cloud.osFail('sovcloud-demo', ['security', 'group', 'rule', 'create', '--protocol', 'tcp', '--dst-port', '80:443', '--remote-ip', '198.51.100.0/24', 'web']);
  assert.match(err, /already exists/);
  // The CLI itself refuses a reversed range, so this one goes over HTTP.
  const reversed = await api('POST', '/v2.0/security-group-rules', { security_group_rule: { security_group_id: g.id, direction: 'ingress', protocol: 'tcp', port_range_min: 443, port_range_max: 80 } });
  assert.equal(reversed.status, 400);
  assert.match(reversed.body.NeutronError.message, /port_range_min must be <= port_range_max/);
  err = await cloud.osFail('sovcloud-demo', ['security', 'group', 'rule', 'create', '--ethertype', 'IPv4', '--remote-ip', '::/0', 'web']);
  assert.match(err, /Conflicting value ethertype IPv4/);
  const byGroup = await cloud.osJson('sovcloud-demo', ['security', 'group', 'rule', 'create', '--protocol', 'icmp', '--remote-group', 'default', 'web']);
  assert.equal(byGroup.protocol, 'icmp');
  err = await cloud.osFail('sovcloud-demo', ['security', 'group', 'delete', 'default']);
  assert.match(err, /default security group/i);
  await cloud.os('sovcloud-demo', ['security', 'group', 'delete', 'web']);
});

test('quotas are enforced with OverQuota and shown with usage', async () => {
  // OSC's `quota set` also wants a compute endpoint (issue 5), so the admin sets it over HTTP.
  const demoProject = (await cloud.osJson('sovcloud-admin', ['project', 'show', 'demo'])).id;
  const adminToken = (await cloud.osJson('sovcloud-admin', ['token', 'issue'])).id;
  const set = await api('PUT', `/v2.0/quotas/${demoProject}`, { quota: { network: 2 } }, adminToken);
  assert.equal(set.body.quota.network, 2);
  const err = await cloud.osFail('sovcloud-demo', ['network', 'create', 'one-too-many']);
  assert.match(err, /Quota exceeded for resources: \['network'\]/);
  const q = await api('GET', `/v2.0/quotas/${demoProject}/details`);
  assert.deepEqual(q.body.quota.network, { limit: 2, used: 2, reserved: 0 });
  const member = await api('PUT', `/v2.0/quotas/${demoProject}`, { quota: { network: 50 } });
  assert.equal(member.status, 403, member.text);
});

test('extensions list only what is implemented; availability zones answer', async () => {
  const res = await api('GET', '/v2.0/extensions');
  const aliases = (res.body.extensions as { alias: string }[]).map((e) => e.alias);
  for (const a of ['router', 'external-net', 'security-group', 'port-security', 'standard-attr-tag', 'quotas', 'extraroute', 'allowed-address-pairs']) assert.ok(aliases.includes(a), a);
  for (const a of ['dvr', 'l3-ha', 'qos', 'trunk']) assert.ok(!aliases.includes(a), a);
  const azs = await cloud.osJson<{ 'Zone Name': string; 'Zone Status': string }[]>('sovcloud-demo', ['availability', 'zone', 'list', '--network']);
  assert.deepEqual(azs, [{ 'Zone Name': 'nova', 'Zone Status': 'available' }, { 'Zone Name': 'nova', 'Zone Status': 'available' }]);
});

test('subnet pools: subnets by prefix length and by default pool, exhaustion, show/list/set, delete only when unused', async () => {
  const aliases = ((await api('GET', '/v2.0/extensions')).body.extensions as { alias: string }[]).map((e) => e.alias);
  assert.ok(aliases.includes('subnet_allocation') && aliases.includes('default-subnetpools'), String(aliases));
  // The quota case left demo at its network limit, and a pool's subnets need a network without plain ones.
  const demoProject = (await cloud.osJson('sovcloud-admin', ['project', 'show', 'demo'])).id;
  const adminToken = (await cloud.osJson('sovcloud-admin', ['token', 'issue'])).id;
  assert.equal((await api('DELETE', `/v2.0/quotas/${demoProject}`, undefined, adminToken)).status, 204);
  await cloud.osJson('sovcloud-demo', ['network', 'create', 'pool-net']);

  const pool = await cloud.osJson('sovcloud-demo', ['subnet', 'pool', 'create', '--pool-prefix', '10.123.0.128/25', '--pool-prefix', '10.123.0.0/25',
    '--default-prefix-length', '26', '--max-prefix-length', '28', 'demo-pool']);
  assert.deepEqual([pool.prefixes, Number(pool.default_prefixlen), Number(pool.min_prefixlen), Number(pool.max_prefixlen)], [['10.123.0.0/24'], 26, 8, 28]);
  const a = await cloud.osJson('sovcloud-demo', ['subnet', 'create', '--network', 'pool-net', '--subnet-pool', 'demo-pool', '--prefix-length', '27', 'pool-a']);
  assert.deepEqual([a.cidr, a.gateway_ip, a.subnetpool_id], ['10.123.0.0/27', '10.123.0.1', pool.id]);
  // Without a length the pool's default; the free /27 beside pool-a is too small, the /26 after it is the smallest that fits.
  const b = await cloud.osJson('sovcloud-demo', ['subnet', 'create', '--network', 'pool-net', '--subnet-pool', 'demo-pool', 'pool-b']);
  assert.equal(b.cidr, '10.123.0.64/26');
  const c = await cloud.osJson('sovcloud-demo', ['subnet', 'create', '--network', 'pool-net', '--subnet-pool', 'demo-pool', '--prefix-length', '25', 'pool-c']);
  assert.equal(c.cidr, '10.123.0.128/25');
  let err = await cloud.osFail('sovcloud-demo', ['subnet', 'create', '--network', 'pool-net', '--subnet-pool', 'demo-pool', 'pool-d']);
  assert.match(err, /Failed to allocate subnet: Insufficient prefix space to allocate subnet size \/26/);
  err = await cloud.osFail('sovcloud-demo', ['subnet', 'create', '--network', 'pool-net', '--subnet-pool', 'demo-pool', '--prefix-length', '29', 'pool-d']);
  assert.match(err, /maximum allowed prefix is 28/);

  await cloud.os('sovcloud-demo', ['subnet', 'pool', 'set', '--name', 'demo-pool2', '--pool-prefix', '10.124.0.0/24', '--description', 'grown', 'demo-pool']);
  const shown = await cloud.osJson('sovcloud-demo', ['subnet', 'pool', 'show', 'demo-pool2']);
  assert.deepEqual([shown.prefixes, shown.description, shown.revision_number], [['10.123.0.0/24', '10.124.0.0/24'], 'grown', 2]);
  const d = await cloud.osJson('sovcloud-demo', ['subnet', 'create', '--network', 'pool-net', '--subnet-pool', 'demo-pool2', 'pool-d']);
  assert.equal(d.cidr, '10.124.0.0/26');
  const listed = await cloud.osJson<{ ID: string; Name: string }[]>('sovcloud-demo', ['subnet', 'pool', 'list']);
  assert.deepEqual(listed.map((p) => p.Name), ['demo-pool2']);
  const shrink = await api('PUT', `/v2.0/subnetpools/${pool.id}`, { subnetpool: { prefixes: ['10.123.0.0/24'] } });
  assert.equal(shrink.status, 400, shrink.text);
  assert.equal(shrink.body.NeutronError.type, 'IllegalSubnetPoolPrefixUpdate');

  // A default pool is the admin's to make; shared, every project can draw from it.
  const mine = await api('POST', '/v2.0/subnetpools', { subnetpool: { name: 'x', prefixes: ['10.125.0.0/16'], is_default: true } });
  assert.equal(mine.status, 403, mine.text);
  await cloud.osJson('sovcloud-admin', ['subnet', 'pool', 'create', '--share', '--default', '--pool-prefix', 'fd12:3456::/48', 'v6-default']);
  err = await cloud.osFail('sovcloud-admin', ['subnet', 'pool', 'create', '--default', '--pool-prefix', 'fd12:3457::/48', 'v6-second']);
  assert.match(err, /Only one default may exist per IP family/);
  const v6 = await cloud.osJson('sovcloud-demo', ['subnet', 'create', '--network', 'pool-net', '--ip-version', '6', '--use-default-subnet-pool', 'pool-v6']);
  assert.equal(v6.cidr, 'fd12:3456::/64');
  err = await cloud.osFail('sovcloud-demo', ['subnet', 'create', '--network', 'pool-net', '--use-default-subnet-pool', 'pool-e']);
  assert.match(err, /No default subnetpool found for IPv4/);

  err = await cloud.osFail('sovcloud-demo', ['subnet', 'pool', 'delete', 'demo-pool2']);
  assert.match(err, /Unable to delete subnet pool: Subnet pool has existing allocations/);
  await cloud.os('sovcloud-demo', ['subnet', 'delete', 'pool-a', 'pool-b', 'pool-c', 'pool-d', 'pool-v6']);
  const gone = await cloud.os('sovcloud-demo', ['subnet', 'pool', 'delete', 'demo-pool2']);
  assert.equal(gone.code, 0, gone.stderr);
  assert.equal((await cloud.os('sovcloud-admin', ['subnet', 'pool', 'delete', 'v6-default'])).code, 0);
  assert.deepEqual(await cloud.osJson('sovcloud-demo', ['subnet', 'pool', 'list']), []);
  await cloud.os('sovcloud-demo', ['network', 'delete', 'pool-net']);
});

test('requests as tempest sends them: JSON content type without a body, `.json` paths, null remotes; Neutron visibility and cleanup rules', async () => {
  const adminToken = (await cloud.osJson('sovcloud-admin', ['token', 'issue'])).id;
  const net = await api('POST', '/v2.0/networks', { network: { name: 'tempest-like' } });
  const bare = await http(`${cloud.url}/network/v2.0/networks/${net.body.network.id}`, 'DELETE', { headers: { 'X-Auth-Token': demoToken, 'Content-Type': 'application/json' } });
  assert.equal(bare.status, 204, bare.text);
  const demoProject = (await cloud.osJson('sovcloud-admin', ['project', 'show', 'demo'])).id;
  const details = await api('GET', `/v2.0/quotas/${demoProject}/details.json`);
  assert.equal(details.status, 200, details.text);
  const groups = await api('GET', '/v2.0/security-groups.json?name=default');
  const rule = await api('POST', '/v2.0/security-group-rules', { security_group_rule: {
    security_group_id: groups.body.security_groups[0].id, direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: 77, port_range_max: 77,
    remote_group_id: null, remote_ip_prefix: null,
  } });
  assert.equal(rule.status, 201, rule.text);
  assert.equal(rule.body.security_group_rule.remote_group_id, null);
  // Members see the external network but not its subnets.
  const pub = need(state.publicNet, 'the public network');
  assert.deepEqual((await api('GET', `/v2.0/subnets?network_id=${pub}`)).body.subnets, []);
  assert.equal((await api('GET', '/v2.0/agents')).body.agents.length, 0);
  // Deleting an external network releases its unassociated floating IPs, as Neutron does.
  const ext = await api('POST', '/v2.0/networks', { network: { name: 'ext2', 'router:external': true } }, adminToken);
  await api('POST', '/v2.0/subnets', { subnet: { network_id: ext.body.network.id, ip_version: 4, cidr: '10.250.0.0/28', enable_dhcp: false } }, adminToken);
  const fip = await api('POST', '/v2.0/floatingips', { floatingip: { floating_network_id: ext.body.network.id } }, adminToken);
  assert.equal(fip.status, 201, fip.text);
  const gone = await api('DELETE', `/v2.0/networks/${ext.body.network.id}`, undefined, adminToken);
  assert.equal(gone.status, 204, gone.text);
  assert.equal((await api('GET', `/v2.0/floatingips/${fip.body.floatingip.id}`, undefined, adminToken)).status, 404);
});

test('deleting a project removes the network defaults it was given', async () => {
  await cloud.osJson('sovcloud-admin', ['project', 'create', 'short-lived-project']);
  const project = (await cloud.osJson('sovcloud-admin', ['project', 'show', 'short-lived-project'])).id;
  const adminToken = (await cloud.osJson('sovcloud-admin', ['token', 'issue'])).id;
  // Over HTTP: the CLI cannot name a project that no longer exists.
  const owned = async () => (await api('GET', `/v2.0/routers?project_id=${project}`, undefined, adminToken)).body.routers.length
    + (await api('GET', `/v2.0/networks?project_id=${project}`, undefined, adminToken)).body.networks.length;
  assert.equal(await owned(), 2);
  await cloud.os('sovcloud-admin', ['project', 'delete', 'short-lived-project']);
  assert.equal(await owned(), 0);
});
