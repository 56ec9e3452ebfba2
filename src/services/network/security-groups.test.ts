import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { fails, networkDeps, projectOf } from './test-kit.ts';
import { projectContext } from '../../platform/auth.ts';
import { DefaultSecurityGroupRules } from './default-security-group-rules.ts';
import type { Db } from '../../platform/db/index.ts';
import { Quotas } from './quotas.ts';
import { SecurityGroupRules } from './security-group-rules.ts';
import { SecurityGroups } from './security-groups.ts';
import { Tags } from './tags.ts';

// The three security group collections against a real SQLite database, with a counting data plane.
let db: Db;
let firewalls = 0;
let groups: SecurityGroups;
let rules: SecurityGroupRules;
let templates: DefaultSecurityGroupRules;
let quotas: Quotas;

const caller = (project: string, roles: string[]) => projectContext(project, roles);
// Each test uses its own projects, so lazily created default groups never leak between tests.
let n = 0;
const member = () => caller(`project-${++n}`, ['member', 'reader']);
const admin = caller('project-admin', ['admin', 'member', 'reader']);
const project = projectOf;


type RuleView = { direction: string; ethertype: string; remote_group_id: string | null; belongs_to_default_sg: boolean; id: string };
const shape = (rs: unknown) => (rs as RuleView[]).map((r) => `${r.direction}/${r.ethertype}/${r.remote_group_id ?? '-'}`).sort();

async function addPort(securityGroups: string[]): Promise<void> {
  const t = '2026-12-01T00:00:00Z';
  const net = `net-${++n}`;
  const std = { project_id: 'project-x', name: '', description: '', revision_number: 1, created_at: t, updated_at: t };
  await db.insertInto('networks').values({
    id: net, ...std, admin_state_up: 1, shared: 0, external: 0, is_default: 0, mtu: 1500, port_security_enabled: 1, dns_domain: '', availability_zone_hints: '[]',
  }).execute();
  await db.insertInto('ports').values({
    id: `port-${n}`, ...std, network_id: net, mac_address: 'fa:16:3e:00:00:01', admin_state_up: 1, status: 'DOWN', device_id: '', device_owner: 'compute:nova',
    binding_host_id: '', binding_profile: '{}', binding_vnic_type: 'normal', port_security_enabled: 1, security_groups: JSON.stringify(securityGroups),
    allowed_address_pairs: '[]', dns_name: '', extra_dhcp_opts: '[]',
  }).execute();
}

before(async () => {
  const d = await networkDeps({ network: () => {}, router: () => {}, firewall: () => { firewalls++; }, vifDetails: () => { throw new Error('not used by security groups'); } });
  db = d.db;
  const tags = new Tags(db);
  quotas = new Quotas(d);
  templates = new DefaultSecurityGroupRules(d);
  groups = new SecurityGroups(d, tags, quotas);
  rules = new SecurityGroupRules(d, groups, quotas);
  await templates.seed();
});
after(async () => {
  await db.destroy();
});
beforeEach(() => {
  firewalls = 0;
});

test('seed inserts the four standard templates once', async () => {
  await templates.seed();
  const all = await templates.list(member());
  assert.equal(all.length, 4);
  assert.deepEqual(all.map((t) => `${t.direction}/${t.ethertype}/${t.remote_group_id ?? '-'}/${t.used_in_default_sg}/${t.used_in_non_default_sg}`).sort(),
    ['egress/IPv4/-/true/true', 'egress/IPv6/-/true/true', 'ingress/IPv4/PARENT/true/false', 'ingress/IPv6/PARENT/true/false']);
  assert.equal(Object.hasOwn(all[0]!, 'project_id'), false);
});

test('listing creates the caller\'s default group once, with the four default rules', async () => {
  const alice = member();
  const [first, ...rest] = await groups.list(alice);
  assert.equal(rest.length, 0);
  assert.equal(first!.name, 'default');
  assert.equal(first!.description, 'Default security group');
  assert.equal(first!.project_id, project(alice));
  assert.equal(first!.tenant_id, project(alice));
  assert.equal(first!.stateful, true);
  assert.equal(first!.shared, false);
  assert.deepEqual(first!.tags, []);
  assert.deepEqual(shape(first!.security_group_rules), ['egress/IPv4/-', 'egress/IPv6/-', `ingress/IPv4/${first!.id}`, `ingress/IPv6/${first!.id}`]);
  assert.ok((first!.security_group_rules as RuleView[]).every((r) => r.belongs_to_default_sg));
  assert.equal((await groups.list(alice)).length, 1);
  assert.equal(await groups.ensureDefault(db, project(alice)), first!.id);
});

test('concurrent first uses of a project end with one default group', async () => {
  const p = `project-${++n}`;
  const ids = await Promise.all([groups.ensureDefault(db, p), groups.ensureDefault(db, p), groups.ensureDefault(db, p)]);
  assert.equal(new Set(ids).size, 1);
  const rows = await db.selectFrom('security_groups').select('id').where('project_id', '=', p).execute();
  assert.equal(rows.length, 1);
});

test('a new group gets only the egress rules, and the default group appears beside it', async () => {
  const alice = member();
  const web = await groups.create(alice, { name: 'web', description: 'HTTP', tags: ['a'] });
  assert.equal(web.name, 'web');
  assert.equal(web.revision_number, 1);
  assert.deepEqual(web.tags, ['a']);
  assert.deepEqual(shape(web.security_group_rules), ['egress/IPv4/-', 'egress/IPv6/-']);
  assert.ok((web.security_group_rules as RuleView[]).every((r) => !r.belongs_to_default_sg));
  assert.deepEqual((await groups.list(alice)).map((g) => g.name).sort(), ['default', 'web']);
  assert.ok(firewalls >= 1);
});

test('nobody names a group default, nor renames the default group', async () => {
  const alice = member();
  await assert.rejects(groups.create(alice, { name: 'Default' }), fails(409, 'SecurityGroupDefaultAlreadyExists', /^Default security group already exists\.$/));
  const [def] = await groups.list(alice);
  await assert.rejects(groups.update(alice, def!.id, { name: 'other' }), fails(409, 'SecurityGroupCannotUpdateDefault', /Updating default security group not allowed\./));
  const updated = await groups.update(alice, def!.id, { description: 'ours' });
  assert.equal(updated.description, 'ours');
  assert.equal(updated.revision_number, 2);
});

test('update changes name, description and statefulness, but not statefulness while in use', async () => {
  const alice = member();
  const g = await groups.create(alice, { name: 'a' });
  const u = await groups.update(alice, g.id, { name: 'b', stateful: false });
  assert.equal(u.name, 'b');
  assert.equal(u.stateful, false);
  await addPort([g.id]);
  await assert.rejects(groups.update(alice, g.id, { stateful: true }), fails(409, 'SecurityGroupInUse', new RegExp(`^Security Group ${g.id} in use\\.$`)));
  assert.equal((await groups.update(alice, g.id, { stateful: false, name: 'c' })).name, 'c');
  await assert.rejects(groups.update(alice, g.id, { shared: true }), fails(400, undefined, /Unrecognized attribute/));
});

test('other projects\' groups and rules are not found; admins see them', async () => {
  const alice = member();
  const bob = member();
  const g = await groups.create(alice, { name: 'private' });
  const ruleId = (g.security_group_rules as RuleView[])[0]!.id;
  const missing = fails(404, 'SecurityGroupNotFound', new RegExp(`^Security group ${g.id} does not exist$`));
  await assert.rejects(groups.get(bob, g.id), missing);
  await assert.rejects(groups.update(bob, g.id, { name: 'x' }), missing);
  await assert.rejects(groups.delete(bob, g.id), missing);
  await assert.rejects(rules.create(bob, { security_group_id: g.id, direction: 'ingress' }), missing);
  await assert.rejects(rules.get(bob, ruleId), fails(404, 'SecurityGroupRuleNotFound', /does not exist/));
  await assert.rejects(rules.delete(bob, ruleId), fails(404, 'SecurityGroupRuleNotFound'));
  assert.ok(!(await groups.list(bob)).some((x) => x.id === g.id));
  assert.ok(!(await rules.list(bob)).some((x) => x.id === ruleId));
  assert.equal((await groups.get(admin, g.id)).id, g.id);
  assert.ok((await groups.list(admin)).some((x) => x.id === g.id));
  assert.ok((await rules.list(admin)).some((x) => x.id === ruleId));
  await assert.rejects(groups.create(alice, { project_id: project(bob) }), fails(400, undefined, /requires admin privileges/));
  const forBob = await groups.create(admin, { name: 'for-bob', project_id: project(bob) });
  assert.equal(forBob.project_id, project(bob));
  assert.ok((await groups.list(bob)).some((x) => x.id === forBob.id));
});

test('rules: created in the group\'s project with normalized values, bumping the group\'s revision', async () => {
  const alice = member();
  const g = await groups.create(alice, { name: 'ssh' });
  firewalls = 0;
  const r = await rules.create(alice, { security_group_id: g.id, direction: 'ingress', protocol: 'TCP', port_range_min: 22, port_range_max: '22', remote_ip_prefix: '192.0.2.7/24', description: 'ssh' });
  assert.deepEqual({ ...r, id: undefined, created_at: undefined, updated_at: undefined }, {
    id: undefined, tenant_id: project(alice), project_id: project(alice), security_group_id: g.id, direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp',
    port_range_min: 22, port_range_max: 22, remote_ip_prefix: '192.0.2.7/24', remote_group_id: null, remote_address_group_id: null,
    normalized_cidr: '192.0.2.0/24', description: 'ssh', belongs_to_default_sg: false, created_at: undefined, updated_at: undefined, revision_number: 0,
  });
  assert.equal(firewalls, 1);
  const shown = await groups.get(alice, g.id);
  assert.equal(shown.revision_number, 2);
  assert.ok((shown.security_group_rules as RuleView[]).some((x) => x.id === r.id));
  assert.deepEqual(await rules.get(alice, r.id), r);
  const v6 = await rules.create(alice, { security_group_id: g.id, direction: 'ingress', ethertype: 'IPv6', protocol: 'icmp' });
  assert.equal(v6.protocol, 'ipv6-icmp');
  await rules.delete(alice, r.id);
  assert.equal((await groups.get(alice, g.id)).revision_number, 4);
  await assert.rejects(rules.get(alice, r.id), fails(404, 'SecurityGroupRuleNotFound'));
  assert.equal(firewalls, 3);
});

test('an equal rule is a conflict naming the existing one', async () => {
  const alice = member();
  const g = await groups.create(alice, { name: 'dup' });
  const r = await rules.create(alice, { security_group_id: g.id, direction: 'ingress', protocol: 'tcp', port_range_min: 80, port_range_max: 80 });
  await assert.rejects(rules.create(alice, { security_group_id: g.id, direction: 'ingress', protocol: '6', port_range_min: 80, port_range_max: 80, remote_ip_prefix: '0.0.0.0/0' }),
    fails(409, 'SecurityGroupRuleExists', new RegExp(`^Security group rule already exists\\. Rule id is ${r.id}\\.$`)));
  const egress = (g.security_group_rules as RuleView[]).find((x) => x.direction === 'egress' && x.ethertype === 'IPv4')!;
  await assert.rejects(rules.create(alice, { security_group_id: g.id, direction: 'egress' }), fails(409, 'SecurityGroupRuleExists', new RegExp(egress.id)));
});

test('invalid rules are 400s', async () => {
  const alice = member();
  const g = await groups.create(alice, { name: 'bad' });
  const base = { security_group_id: g.id, direction: 'ingress' };
  await assert.rejects(rules.create(alice, { direction: 'ingress' }), fails(400, undefined, /Required attribute 'security_group_id'/));
  await assert.rejects(rules.create(alice, { ...base, protocol: 'tcp', port_range_min: 90, port_range_max: 80 }), fails(400, 'SecurityGroupInvalidPortRange'));
  await assert.rejects(rules.create(alice, { ...base, protocol: 'tcp', port_range_min: 0, port_range_max: 80 }), fails(400, 'SecurityGroupInvalidPortValue'));
  await assert.rejects(rules.create(alice, { ...base, protocol: 'icmp', port_range_max: 3 }), fails(400, 'SecurityGroupMissingIcmpType'));
  await assert.rejects(rules.create(alice, { ...base, remote_ip_prefix: '::/0' }), fails(400, 'SecurityGroupRuleParameterConflict', /Conflicting value ethertype IPv4 for CIDR ::\/0/));
  await assert.rejects(rules.create(alice, { ...base, remote_ip_prefix: '10.0.0.0/8', remote_group_id: g.id }), fails(400, 'SecurityGroupMultipleRemoteEntites'));
  await assert.rejects(rules.create(alice, { ...base, protocol: 'banana' }), fails(400, 'SecurityGroupRuleInvalidProtocol'));
  await assert.rejects(rules.create(alice, { ...base, color: 'red' }), fails(400, undefined, /Unrecognized attribute\(s\) 'color'/));
  await assert.rejects(rules.update(alice, (g.security_group_rules as RuleView[])[0]!.id, { description: 'x' }), fails(400, undefined, /^Cannot update read-only attribute description$/));
});

test('a remote group must be one the caller sees', async () => {
  const alice = member();
  const bob = member();
  const mine = await groups.create(alice, { name: 'app' });
  const theirs = await groups.create(bob, { name: 'db' });
  const r = await rules.create(alice, { security_group_id: mine.id, direction: 'ingress', remote_group_id: mine.id });
  assert.equal(r.remote_group_id, mine.id);
  await assert.rejects(rules.create(alice, { security_group_id: mine.id, direction: 'ingress', ethertype: 'IPv6', remote_group_id: theirs.id }),
    fails(404, 'SecurityGroupNotFound', new RegExp(theirs.id)));
  await assert.rejects(rules.create(alice, { security_group_id: mine.id, direction: 'ingress', remote_address_group_id: '0b4ec1f2-6f1d-4a3e-9d53-3b1f3f6f0a03' }), fails(404, 'AddressGroupNotFound'));
});

test('the default group cannot be deleted by its project; a group in use cannot be deleted at all', async () => {
  const alice = member();
  const [def] = await groups.list(alice);
  await assert.rejects(groups.delete(alice, def!.id), fails(409, 'SecurityGroupCannotRemoveDefault', /^Insufficient rights for removing default security group\.$/));
  const g = await groups.create(alice, { name: 'used' });
  await addPort([g.id]);
  await assert.rejects(groups.delete(alice, g.id), fails(409, 'SecurityGroupInUse', new RegExp(`^Security Group ${g.id} in use\\.$`)));
  await assert.rejects(groups.delete(admin, g.id), fails(409, 'SecurityGroupInUse'));
  await groups.delete(admin, def!.id);
  await assert.rejects(groups.get(alice, def!.id), fails(404, 'SecurityGroupNotFound'));
});

test('deleting a group removes its rules and other groups\' rules naming it', async () => {
  const alice = member();
  const a = await groups.create(alice, { name: 'a' });
  const b = await groups.create(alice, { name: 'b' });
  const viaB = await rules.create(alice, { security_group_id: a.id, direction: 'ingress', remote_group_id: b.id });
  firewalls = 0;
  await groups.delete(alice, b.id);
  assert.equal(firewalls, 1);
  await assert.rejects(rules.get(alice, viaB.id), fails(404, 'SecurityGroupRuleNotFound'));
  const left = await db.selectFrom('security_group_rules').select('id').where('security_group_id', '=', b.id).execute();
  assert.equal(left.length, 0);
});

test('resolve checks a port\'s groups: owned (or any for admins), existing, without repeats', async () => {
  const alice = member();
  const bob = member();
  const a = await groups.create(alice, { name: 'a' });
  const b = await groups.create(bob, { name: 'b' });
  assert.deepEqual(await groups.resolve(db, alice, project(alice), [a.id, a.id]), [a.id]);
  assert.deepEqual(await groups.resolve(db, alice, project(alice), null), []);
  await assert.rejects(groups.resolve(db, alice, project(alice), [a.id, b.id]), fails(404, 'SecurityGroupNotFound', new RegExp(`^Security group ${b.id} does not exist$`)));
  await assert.rejects(groups.resolve(db, alice, project(alice), 'x'), fails(400, undefined, /is not a list/));
  await assert.rejects(groups.resolve(db, alice, project(alice), ['nope']), fails(400, undefined, /is not a valid UUID/));
  assert.deepEqual(await groups.resolve(db, admin, project(alice), [b.id, a.id]), [b.id, a.id]);
});

test('quotas count groups and rules, including the default group and copied rules', async () => {
  const alice = member();
  await groups.list(alice);
  await assert.rejects(quotas.update(alice, project(alice), { security_group: 2 }), fails(403));
  await quotas.update(admin, project(alice), { security_group: 2, security_group_rule: 8 });
  const g = await groups.create(alice, { name: 'second' });
  await assert.rejects(groups.create(alice, { name: 'third' }), fails(409, 'OverQuota', /\['security_group'\]/));
  await rules.create(alice, { security_group_id: g.id, direction: 'ingress', protocol: 'tcp', port_range_min: 1, port_range_max: 1 });
  await rules.create(alice, { security_group_id: g.id, direction: 'ingress', protocol: 'tcp', port_range_min: 2, port_range_max: 2 });
  await assert.rejects(rules.create(alice, { security_group_id: g.id, direction: 'ingress', protocol: 'tcp', port_range_min: 3, port_range_max: 3 }),
    fails(409, 'OverQuota', /\['security_group_rule'\]/));
  await quotas.update(admin, project(alice), { security_group: 3 });
  await assert.rejects(groups.create(alice, { name: 'third' }), fails(409, 'OverQuota', /\['security_group_rule'\]/));
});

test('default rule templates: admins add and remove them; new groups copy them; duplicates per kind conflict', async () => {
  const alice = member();
  await assert.rejects(templates.create(alice, { direction: 'ingress', protocol: 'tcp', port_range_min: 443, port_range_max: 443 }), fails(403));
  const https = await templates.create(admin, { direction: 'ingress', protocol: 'tcp', port_range_min: 443, port_range_max: 443, used_in_non_default_sg: true });
  assert.deepEqual({ ...https, id: undefined }, {
    id: undefined, direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: 443, port_range_max: 443, remote_ip_prefix: null,
    remote_group_id: null, remote_address_group_id: null, description: '', used_in_default_sg: false, used_in_non_default_sg: true,
  });
  try {
    assert.deepEqual((await templates.get(alice, https.id)).id, https.id);
    await assert.rejects(templates.create(admin, { direction: 'ingress', protocol: '6', port_range_min: 443, port_range_max: 443, used_in_default_sg: true, used_in_non_default_sg: true }),
      fails(409, 'DefaultSecurityGroupRuleExists', new RegExp(`Rule id is ${https.id}\\.$`)));
    const forDefault = await templates.create(admin, { direction: 'ingress', protocol: 'tcp', port_range_min: 443, port_range_max: 443, used_in_default_sg: true });
    await templates.delete(admin, forDefault.id);
    const g = await groups.create(alice, { name: 'web' });
    assert.ok((g.security_group_rules as { protocol: string | null; port_range_min: number | null }[]).some((r) => r.protocol === 'tcp' && r.port_range_min === 443));
    await assert.rejects(templates.update(admin, https.id, { description: 'x' }), fails(400, undefined, /read-only attribute description/));
    await assert.rejects(templates.delete(alice, https.id), fails(403));
  } finally {
    await templates.delete(admin, https.id);
  }
  await assert.rejects(templates.get(alice, https.id), fails(404, 'DefaultSecurityGroupRuleNotFound', /^Default Security Group rule .* does not exist$/));
  await assert.rejects(templates.create(admin, { direction: 'egress', port_range_min: 1 }), fails(400, 'SecurityGroupProtocolRequiredWithPorts'));
});
