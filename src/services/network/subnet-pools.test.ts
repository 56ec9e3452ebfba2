import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fails, networkDeps, projectOf } from './test-kit.ts';
import { projectContext, type AuthContext } from '../../platform/auth.ts';
import type { Db } from '../../platform/db/index.ts';
import { Networks } from './networks.ts';
import { Ports } from './ports.ts';
import { Quotas } from './quotas.ts';
import { SecurityGroups } from './security-groups.ts';
import { SubnetPools } from './subnet-pools.ts';
import { Subnets } from './subnets.ts';
import { Tags } from './tags.ts';

// Subnet pools and subnet allocation from them against a real SQLite database and a data plane that does nothing.
let db: Db;
let pools: SubnetPools;
let subnets: Subnets;
let networks: Networks;
let quotas: Quotas;

let n = 0;
const member = () => projectContext(`project-${++n}`, ['member', 'reader']);
const admin = projectContext('project-admin', ['admin', 'member', 'reader']);
const project = projectOf;


/** A subnet on a new network of the caller's, from the given pool. */
async function carve(ctx: AuthContext, subnetpool_id: string, extra: Record<string, unknown> = {}, network_id?: string) {
  const net = network_id ?? (await networks.create(ctx, { name: `net-${++n}` })).id;
  return subnets.create(ctx, { network_id: net, ip_version: 4, subnetpool_id, ...extra });
}

before(async () => {
  const d = await networkDeps({ network: () => {}, router: () => {}, firewall: () => {}, vifDetails: () => { throw new Error('not used by subnet pools'); } });
  db = d.db;
  const tags = new Tags(db);
  quotas = new Quotas(d);
  networks = new Networks(d, tags, quotas);
  const ports = new Ports(d, tags, quotas, networks, new SecurityGroups(d, tags, quotas));
  pools = new SubnetPools(d, tags, quotas);
  subnets = new Subnets(d, tags, quotas, networks, ports, pools);
});
after(async () => {
  await db.destroy();
});

test('prefixes are canonicalized and merged; lengths default per IP version and go on the wire as strings', async () => {
  const alice = member();
  const p = await pools.create(alice, { name: 'p', prefixes: ['10.0.0.128/25', '10.1.2.3/16', '10.0.0.0/25', '10.0.1.0/24', '10.0.3.0/24'], tags: ['t'] });
  // 10.0.0.0/24 and 10.0.1.0/24 join into a /23; 10.0.3.0/24 cannot join them without 10.0.2.0/24.
  assert.deepEqual(p.prefixes, ['10.0.0.0/23', '10.0.3.0/24', '10.1.0.0/16']);
  assert.deepEqual([p.ip_version, p.min_prefixlen, p.max_prefixlen, p.default_prefixlen], [4, '8', '32', '8']);
  assert.deepEqual([p.project_id, p.tenant_id, p.shared, p.is_default, p.default_quota, p.address_scope_id], [project(alice), project(alice), false, false, null, null]);
  assert.deepEqual([p.description, p.tags, p.revision_number], ['', ['t'], 1]);
  const v6 = await pools.create(alice, { name: 'v6', prefixes: ['2001:DB8:0:0::/48', '2001:db8:1::/48'], default_prefixlen: '64' });
  assert.deepEqual([v6.prefixes, v6.ip_version, v6.min_prefixlen, v6.max_prefixlen, v6.default_prefixlen], [['2001:db8::/47'], 6, '64', '128', '64']);
});

test('bad pools are refused as Neutron words it', async () => {
  const alice = member();
  await assert.rejects(pools.create(alice, { prefixes: ['10.0.0.0/8'] }), fails(400, undefined, /Required attribute 'name' not specified/));
  await assert.rejects(pools.create(alice, { name: 'x' }), fails(400, undefined, /Required attribute 'prefixes' not specified/));
  await assert.rejects(pools.create(alice, { name: ' ', prefixes: ['10.0.0.0/8'] }), fails(400, undefined, /Blank strings are not permitted/));
  await assert.rejects(pools.create(alice, { name: 'x', prefixes: [] }), fails(400, 'EmptySubnetPoolPrefixList', /^Empty subnet pool prefix list\.$/));
  await assert.rejects(pools.create(alice, { name: 'x', prefixes: ['10.0.0.0/8', '2001:db8::/32'] }), fails(400, 'PrefixVersionMismatch', /Cannot mix IPv4 and IPv6/));
  await assert.rejects(pools.create(alice, { name: 'x', prefixes: ['10.0.0.0'] }), fails(400, undefined, /Invalid input for prefixes\. Reason: '10\.0\.0\.0' is not a valid IP subnet\./));
  await assert.rejects(pools.create(alice, { name: 'x', prefixes: ['10.0.0.0/8', '10.0.0.0/8'] }), fails(400, undefined, /Duplicate items in the list: '10\.0\.0\.0\/8'/));
  await assert.rejects(pools.create(alice, { name: 'x', prefixes: ['10.0.0.0/8'], min_prefixlen: 24, max_prefixlen: 16 }),
    fails(400, 'IllegalSubnetPoolPrefixBounds', /^Illegal prefix bounds: min_prefixlen=24, max_prefixlen=16\.$/));
  await assert.rejects(pools.create(alice, { name: 'x', prefixes: ['10.0.0.0/8'], max_prefixlen: 33 }), fails(400, 'IllegalSubnetPoolPrefixBounds', /max_prefixlen=33, ip_version_max=32/));
  await assert.rejects(pools.create(alice, { name: 'x', prefixes: ['10.0.0.0/8'], min_prefixlen: 16, default_prefixlen: 12 }), fails(400, 'IllegalSubnetPoolPrefixBounds', /default_prefixlen=12, min_prefixlen=16/));
  await assert.rejects(pools.create(alice, { name: 'x', prefixes: ['10.0.0.0/8'], default_prefixlen: -1 }), fails(400, undefined, /'-1' should be non-negative/));
  await assert.rejects(pools.create(alice, { name: 'x', prefixes: ['10.0.0.0/8'], address_scope_id: 'foo' }), fails(400, undefined, /address_scope_id/));
  await assert.rejects(pools.create(alice, { name: 'x', prefixes: ['10.0.0.0/8'], address_scope_id: '0c1f6b86-03a8-4d0b-a7ee-1d0bb2c2a8e4' }), fails(404, 'AddressScopeNotFound'));
  await assert.rejects(pools.create(alice, { name: 'x', prefixes: ['10.0.0.0/8'], ip_version: 4 }), fails(400, undefined, /Unrecognized attribute\(s\) 'ip_version'/));
});

test('members see their own and shared pools, admins all; sharing is for admins', async () => {
  const alice = member();
  const bob = member();
  const own = await pools.create(alice, { name: 'own', prefixes: ['172.16.0.0/16'] });
  await assert.rejects(pools.create(bob, { name: 's', prefixes: ['172.17.0.0/16'], shared: true }), fails(403));
  // Explicitly false is the default, which needs no special right.
  await pools.create(bob, { name: 'plain', prefixes: ['172.17.0.0/16'], shared: false, is_default: 'false' });
  const shared = await pools.create(admin, { name: 'shared', prefixes: ['172.18.0.0/16'], shared: true });
  await assert.rejects(pools.get(bob, own.id), fails(404, 'SubnetPoolNotFound', new RegExp(`^Subnet pool ${own.id} could not be found\\.$`)));
  await assert.rejects(pools.delete(bob, own.id), fails(404, 'SubnetPoolNotFound'));
  assert.equal((await pools.get(bob, shared.id)).shared, true);
  const seen = (await pools.list(bob)).map((p) => p.name);
  assert.ok(seen.includes('plain') && seen.includes('shared') && !seen.includes('own'), String(seen));
  assert.ok((await pools.list(admin)).some((p) => p.id === own.id));
  await assert.rejects(pools.delete(bob, shared.id), fails(403));
});

test('allocation takes the smallest free block that fits, aligned, until the pool is exhausted', async () => {
  const alice = member();
  const pool = await pools.create(alice, { name: 'alloc', prefixes: ['10.10.0.0/16'], min_prefixlen: 16, max_prefixlen: 28, default_prefixlen: 24 });
  const a = await carve(alice, pool.id);
  assert.deepEqual([a.cidr, a.gateway_ip, a.allocation_pools, a.subnetpool_id], ['10.10.0.0/24', '10.10.0.1', [{ start: '10.10.0.2', end: '10.10.0.254' }], pool.id]);
  assert.equal((await carve(alice, pool.id, { prefixlen: 26 })).cidr, '10.10.1.0/26');
  // The free /26 and /25 beside it are too small, so the /24 comes from the next /23.
  assert.equal((await carve(alice, pool.id, { prefixlen: '24' })).cidr, '10.10.2.0/24');
  assert.equal((await carve(alice, pool.id, { prefixlen: 26 })).cidr, '10.10.1.64/26');
  assert.equal((await carve(alice, pool.id, { prefixlen: 17 })).cidr, '10.10.128.0/17');

  const small = await pools.create(alice, { name: 'small', prefixes: ['10.20.0.16/28', '10.20.0.32/27'], min_prefixlen: 26, max_prefixlen: 30, default_prefixlen: 27 });
  assert.deepEqual(small.prefixes, ['10.20.0.16/28', '10.20.0.32/27']);
  // 10.20.0.16/27 would be unaligned: the only /27 is the second prefix.
  assert.equal((await carve(alice, small.id)).cidr, '10.20.0.32/27');
  await assert.rejects(carve(alice, small.id), fails(409, 'SubnetAllocationError', /^Failed to allocate subnet: Insufficient prefix space to allocate subnet size \/27\.$/));
  assert.equal((await carve(alice, small.id, { prefixlen: 28 })).cidr, '10.20.0.16/28');
  await assert.rejects(carve(alice, small.id, { prefixlen: 30 }), fails(409, 'SubnetAllocationError', /subnet size \/30/));
  await assert.rejects(carve(alice, small.id, { prefixlen: 25 }), fails(400, 'MinPrefixSubnetAllocationError',
    /^Unable to allocate subnet with prefix length 25, minimum allowed prefix is 26\.$/));
  await assert.rejects(carve(alice, small.id, { prefixlen: 31 }), fails(400, 'MaxPrefixSubnetAllocationError', /prefix length 31, maximum allowed prefix is 30\./));
});

test('a freed block is allocated again', async () => {
  const alice = member();
  const pool = await pools.create(alice, { name: 'reuse', prefixes: ['10.30.0.0/24'], default_prefixlen: 25 });
  const first = await carve(alice, pool.id);
  const second = await carve(alice, pool.id);
  assert.deepEqual([first.cidr, second.cidr], ['10.30.0.0/25', '10.30.0.128/25']);
  await subnets.delete(alice, first.id);
  assert.equal((await carve(alice, pool.id)).cidr, '10.30.0.0/25');
});

test('an explicit cidr must lie in free pool space; a gateway without cidr asks for the block around it', async () => {
  const alice = member();
  const pool = await pools.create(alice, { name: 'explicit', prefixes: ['10.40.0.0/16'], min_prefixlen: 20, default_prefixlen: 24 });
  const net = (await networks.create(alice, { name: 'explicit' })).id;
  const s = await carve(alice, pool.id, { cidr: '10.40.5.0/24', allocation_pools: [{ start: '10.40.5.10', end: '10.40.5.20' }] }, net);
  assert.deepEqual([s.cidr, s.subnetpool_id, s.allocation_pools], ['10.40.5.0/24', pool.id, [{ start: '10.40.5.10', end: '10.40.5.20' }]]);
  const other = (await networks.create(alice, { name: 'explicit-2' })).id;
  const noPlace = /^Failed to allocate subnet: Cannot allocate requested subnet from the available set of prefixes\.$/;
  await assert.rejects(carve(alice, pool.id, { cidr: '10.40.4.0/22' }, other), fails(409, 'SubnetAllocationError', noPlace));
  await assert.rejects(carve(alice, pool.id, { cidr: '10.41.0.0/24' }, other), fails(409, 'SubnetAllocationError', noPlace));
  await assert.rejects(carve(alice, pool.id, { cidr: '10.40.0.0/19' }, other), fails(400, 'MinPrefixSubnetAllocationError'));
  const gw = await carve(alice, pool.id, { gateway_ip: '10.40.9.254' }, other);
  assert.deepEqual([gw.cidr, gw.gateway_ip], ['10.40.9.0/24', '10.40.9.254']);
  // Any-block allocation skips what explicit requests took and fills the /24 hole between them first.
  assert.equal((await carve(alice, pool.id, {}, other)).cidr, '10.40.4.0/24');
  await assert.rejects(carve(alice, pool.id, { cidr: '10.40.7.0/24', prefixlen: 24 }, other), fails(400, undefined, /cidr and prefixlen must not be supplied together/));
  await assert.rejects(carve(alice, pool.id, { allocation_pools: [] }, other), fails(400, undefined, /allocation_pools allowed only for specific subnet requests/));
  await assert.rejects(subnets.create(alice, { network_id: other, ip_version: 6, subnetpool_id: pool.id }),
    fails(400, undefined, /^Bad subnets request: Cannot allocate IPv6 subnet from IPv4 subnet pool\.$/));
  await assert.rejects(subnets.create(alice, { network_id: other, ip_version: 4 }), fails(400, undefined, /a subnetpool must be specified in the absence of a cidr/));
  await assert.rejects(carve(member(), pool.id), fails(404, 'SubnetPoolNotFound'));
});

test('subnets of one IP version on a network come from one pool or none', async () => {
  const alice = member();
  const a = await pools.create(alice, { name: 'aff-a', prefixes: ['10.50.0.0/16'], default_prefixlen: 24 });
  const b = await pools.create(alice, { name: 'aff-b', prefixes: ['10.51.0.0/16'], default_prefixlen: 24 });
  const v6 = await pools.create(alice, { name: 'aff-6', prefixes: ['2001:db8:50::/48'] });
  const net = (await networks.create(alice, { name: 'aff' })).id;
  await carve(alice, a.id, {}, net);
  const affinity = fails(400, 'NetworkSubnetPoolAffinityError', /^Subnets hosted on the same network must be allocated from the same subnet pool\.$/);
  await assert.rejects(carve(alice, b.id, {}, net), affinity);
  await assert.rejects(subnets.create(alice, { network_id: net, ip_version: 4, cidr: '192.168.7.0/24' }), affinity);
  assert.equal((await subnets.create(alice, { network_id: net, ip_version: 6, subnetpool_id: v6.id })).cidr, '2001:db8:50::/64');
  const plain = (await networks.create(alice, { name: 'plain' })).id;
  await subnets.create(alice, { network_id: plain, ip_version: 4, cidr: '192.168.8.0/24' });
  await assert.rejects(carve(alice, a.id, {}, plain), affinity);
});

test('one default pool per IP version, used by use_default_subnetpool when the caller can see it', async () => {
  const alice = member();
  const net = (await networks.create(alice, { name: 'defaults' })).id;
  await assert.rejects(subnets.create(alice, { network_id: net, ip_version: 4, use_default_subnetpool: true }),
    fails(400, undefined, /^Bad subnets request: No default subnetpool found for IPv4\.$/));
  await assert.rejects(pools.create(alice, { name: 'mine', prefixes: ['10.60.0.0/16'], is_default: true }), fails(403));
  const hidden = await pools.create(admin, { name: 'hidden-default', prefixes: ['10.60.0.0/16'], is_default: true });
  assert.equal(hidden.is_default, true);
  await assert.rejects(subnets.create(alice, { network_id: net, ip_version: 4, use_default_subnetpool: true }), fails(400, undefined, /No default subnetpool found/));
  await assert.rejects(pools.create(admin, { name: 'second', prefixes: ['10.61.0.0/16'], is_default: true, shared: true }),
    fails(400, 'InvalidInput', /^Invalid input for operation: A default subnetpool for this IP family has already been set\. Only one default may exist per IP family\.$/));
  await pools.update(admin, hidden.id, { is_default: false });
  const def = await pools.create(admin, { name: 'default', prefixes: ['10.61.0.0/16'], is_default: true, shared: true, default_prefixlen: 26 });
  const s = await subnets.create(alice, { network_id: net, ip_version: 4, use_default_subnetpool: true });
  assert.deepEqual([s.cidr, s.subnetpool_id], ['10.61.0.0/26', def.id]);
  await assert.rejects(subnets.create(alice, { network_id: net, ip_version: 4, use_default_subnetpool: true, subnetpool_id: def.id }),
    fails(400, undefined, /subnetpool_id and use_default_subnetpool cannot both be specified/));
  await assert.rejects(pools.update(admin, hidden.id, { is_default: true }), fails(400, 'InvalidInput'));
  await assert.rejects(pools.update(alice, def.id, { name: 'x' }), fails(403));
  await subnets.delete(alice, s.id);
  await pools.delete(admin, def.id);
  await pools.delete(admin, hidden.id);
});

test('update grows prefixes, changes lengths and names, never shrinks', async () => {
  const alice = member();
  const p = await pools.create(alice, { name: 'grow', prefixes: ['10.70.0.0/24'], min_prefixlen: 24, default_prefixlen: 26 });
  const grown = await pools.update(alice, p.id, { prefixes: ['10.70.1.0/24', '10.70.0.0/24', '10.71.0.0/24'], name: 'grown', description: 'd', default_prefixlen: 28 });
  assert.deepEqual([grown.prefixes, grown.name, grown.description, grown.default_prefixlen, grown.revision_number], [['10.70.0.0/23', '10.71.0.0/24'], 'grown', 'd', '28', 2]);
  const shrink = /^Illegal update to prefixes: Existing prefixes must be a subset of the new prefixes\.$/;
  await assert.rejects(pools.update(alice, p.id, { prefixes: ['10.70.0.0/24'] }), fails(400, 'IllegalSubnetPoolPrefixUpdate', shrink));
  await assert.rejects(pools.update(alice, p.id, { prefixes: ['2001:db8::/32'] }), fails(400, 'IllegalSubnetPoolPrefixUpdate', shrink));
  // A covering prefix replaces the ones it covers.
  assert.deepEqual((await pools.update(alice, p.id, { prefixes: ['10.64.0.0/10'] })).prefixes, ['10.64.0.0/10']);
  await assert.rejects(pools.update(alice, p.id, { min_prefixlen: 30 }), fails(400, 'IllegalSubnetPoolPrefixBounds', /^Illegal prefix bounds: default_prefixlen=28, min_prefixlen=30\.$/));
  await assert.rejects(pools.update(alice, p.id, { shared: true }), fails(400, undefined, /Unrecognized attribute\(s\) 'shared'/));
  await assert.rejects(pools.update(alice, p.id, { is_default: true }), fails(403));
  assert.equal((await pools.get(alice, p.id)).revision_number, 3);
});

test('a pool in use is not deleted; quotas cap pools and, with default_quota, prefix space', async () => {
  const alice = member();
  const p = await pools.create(alice, { name: 'busy', prefixes: ['10.80.0.0/16'], default_prefixlen: 24, default_quota: 512 });
  assert.equal(p.default_quota, 512);
  const s = await carve(alice, p.id);
  await assert.rejects(pools.delete(alice, p.id), fails(400, 'SubnetPoolDeleteError', /^Unable to delete subnet pool: Subnet pool has existing allocations\.$/));
  await carve(alice, p.id);
  // 512 addresses are two /24s per project; another project has its own share.
  await assert.rejects(carve(alice, p.id), fails(409, 'SubnetPoolQuotaExceeded', /^Per-tenant subnet pool prefix quota exceeded\.$/));
  await subnets.delete(alice, s.id);
  assert.equal((await carve(alice, p.id)).cidr, '10.80.0.0/24');
  for (const sub of await subnets.list(alice)) if (sub.subnetpool_id === p.id) await subnets.delete(alice, sub.id);
  await pools.delete(alice, p.id);
  await assert.rejects(pools.get(alice, p.id), fails(404, 'SubnetPoolNotFound'));

  const bob = member();
  await quotas.update(admin, project(bob), { subnetpool: 1 });
  await pools.create(bob, { name: 'one', prefixes: ['10.90.0.0/16'] });
  await assert.rejects(pools.create(bob, { name: 'two', prefixes: ['10.91.0.0/16'] }), fails(409, 'OverQuota', /Quota exceeded for resources: \['subnetpool'\]/));
});
