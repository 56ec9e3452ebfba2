import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { projectContext } from '../../platform/auth.ts';
import { Conflict, NotFound } from '../../platform/errors.ts';
import type { NetworkPeer, NovaRuleRequest, NovaSecurityGroup, SecurityGroupProxy } from './peers.ts';
import { SecurityGroups } from './security-groups.ts';
import { computeDeps, fails } from './test-kit.ts';

// The deprecated `os-security-groups` proxy: Nova's checks, in Nova's order, before a fake
// network sees anything, and Neutron's conflicts answered with Nova's codes.
const alice = projectContext('p-1', ['member', 'reader'], 'alice');
const auditor = projectContext('p-1', ['reader'], 'auditor');
const WEB = '11111111-1111-4111-8111-111111111111';
const DB = '22222222-2222-4222-8222-222222222222';
const MISSING = '33333333-3333-4333-8333-333333333333';

let groups: SecurityGroups;
const added: NovaRuleRequest[] = [];
const group = (id: string, name: string): NovaSecurityGroup => ({ id, name, description: '', tenant_id: 'p-1', rules: [] });

/** Neutron in Nova's terms: two groups, `db` in use, `default` taken, duplicate rules refused. */
const proxy: SecurityGroupProxy = {
  list: async () => [group(WEB, 'web'), group(DB, 'db')],
  async get(_ctx, id) {
    if (id !== WEB && id !== DB) throw new NotFound(`Security group ${id} does not exist`);
    return group(id, id === WEB ? 'web' : 'db');
  },
  async create(_ctx, name, description) {
    if (name === 'default') throw new Conflict('Default security group already exists.');
    return { ...group(WEB, name), description };
  },
  update: async (_ctx, id, name, description) => ({ ...group(id, name), description }),
  async delete(_ctx, id) {
    if (id === DB) throw new Conflict(`Security Group ${id} in use.`);
  },
  async addRule(_ctx, rule) {
    if (rule.fromPort === 443) throw new Conflict('Security group rule already exists.');
    added.push(rule);
    return { id: 'r', parent_group_id: rule.parentGroupId, ip_protocol: rule.protocol, from_port: rule.fromPort, to_port: rule.toPort, ip_range: {}, group: {} };
  },
  deleteRule: async () => {},
};

before(async () => {
  // Only the proxy methods run here: no server is looked up and no port touched.
  groups = new SecurityGroups(await computeDeps(), { row: async () => { throw new Error('unused'); } }, { securityGroups: proxy } as Partial<NetworkPeer> as NetworkPeer);
});

const rule = async (r: Record<string, unknown>): Promise<NovaRuleRequest> => {
  added.length = 0;
  await groups.createRule(alice, { parentGroupId: WEB, ipProtocol: undefined, fromPort: undefined, toPort: undefined, cidr: undefined, groupId: undefined, ...r });
  return added[0]!;
};

test('groups: name and description must be strings of at most 255 characters; a taken name is 403, an id must be a UUID', async () => {
  assert.equal((await groups.create(alice, 'web', '')).name, 'web');
  await assert.rejects(groups.create(alice, undefined, 'd'), fails(400, /^name is not a string or unicode$/));
  await assert.rejects(groups.create(alice, 'x'.repeat(256), 'd'), fails(400, /^name has 256 characters, more than 255\.$/));
  await assert.rejects(groups.create(alice, 'web', 7), fails(400, /^description is not a string or unicode$/));
  await assert.rejects(groups.create(alice, 'default', 'd'), (e: unknown) => fails(403, /^Default security group already exists\.$/)(e) && (e as Error).cause instanceof Conflict);
  await assert.rejects(groups.get(alice, 'web'), fails(400, /^Security group id should be uuid$/));
  await assert.rejects(groups.get(alice, MISSING), fails(404, /does not exist/));
  await assert.rejects(groups.update(alice, MISSING, 'a', 'b'), fails(404));
  await assert.rejects(groups.create(auditor, 'web', 'd'), fails(403));
});

test('deleting a group in use is a 400, as Nova answers Neutron\'s 409', async () => {
  await groups.delete(alice, WEB);
  await assert.rejects(groups.delete(alice, DB), fails(400, /in use/));
});

test('rules: the parent group first (404), then the remote group, then the rule', async () => {
  await assert.rejects(groups.createRule(alice, { parentGroupId: 'x', ipProtocol: 'tcp', fromPort: 1, toPort: 2, cidr: undefined, groupId: undefined }), fails(400, /uuid/));
  await assert.rejects(groups.createRule(alice, { parentGroupId: MISSING, ipProtocol: 'tcp', fromPort: 0, toPort: 0, cidr: undefined, groupId: undefined }), fails(404));
  await assert.rejects(rule({ groupId: MISSING, ipProtocol: 'bogus', fromPort: 1, toPort: 1 }), fails(404));
});

test('rules: a remote group without ports opens the protocol; a CIDR rule needs protocol and ports and defaults to anywhere', async () => {
  assert.deepEqual(await rule({ groupId: DB, ipProtocol: 'tcp' }), { parentGroupId: WEB, protocol: 'tcp', fromPort: 1, toPort: 65535, groupId: DB, cidr: null });
  assert.deepEqual(await rule({ groupId: DB, ipProtocol: 'ICMP' }), { parentGroupId: WEB, protocol: 'ICMP', fromPort: -1, toPort: -1, groupId: DB, cidr: null });
  assert.deepEqual(await rule({ groupId: DB }), { parentGroupId: WEB, protocol: null, fromPort: null, toPort: null, groupId: DB, cidr: null });
  assert.deepEqual(await rule({ ipProtocol: 'udp', fromPort: '53', toPort: 53 }), { parentGroupId: WEB, protocol: 'udp', fromPort: 53, toPort: 53, groupId: null, cidr: '0.0.0.0/0' });
  assert.equal((await rule({ ipProtocol: 'tcp', fromPort: 22, toPort: 22, cidr: '10.0.0.0%2F8' })).cidr, '10.0.0.0/8');
  assert.equal((await rule({ ipProtocol: 'tcp', fromPort: 22, toPort: 22, cidr: '::/0' })).cidr, '::/0');
  await assert.rejects(rule({ cidr: '10.0.0.0/8' }), fails(400, /^Not enough parameters to build a valid rule\.$/));
  await assert.rejects(rule({ ipProtocol: 'tcp', fromPort: 22 }), fails(400, /^Not enough parameters/));
});

test('rules: Nova\'s wording for bad ports, protocols and CIDRs; Neutron\'s duplicate is 403', async () => {
  const bad = (r: Record<string, unknown>, message: RegExp) => assert.rejects(rule(r), fails(400, message));
  await bad({ ipProtocol: 'tcp', fromPort: 'x', toPort: 22 }, /^Invalid input received: To and From ports must be integers$/);
  await bad({ ipProtocol: 'icmp', fromPort: 'x', toPort: 0 }, /^Invalid input received: Type and Code must be integers for ICMP protocol type$/);
  await bad({ ipProtocol: 'gre', fromPort: 1, toPort: 1 }, /^Invalid IP protocol gre\.$/);
  await bad({ ipProtocol: 'tcp', fromPort: 90, toPort: 80 }, /^Invalid port range 90:80\. Former value cannot be greater than the later$/);
  await bad({ ipProtocol: 'udp', fromPort: 0, toPort: 80 }, /^Invalid port range 0:80\. Valid UDP ports should be between 1-65535$/);
  await bad({ ipProtocol: 'icmp', fromPort: 8, toPort: 256 }, /^Invalid port range 8:256\. For ICMP, the type:code must be valid$/);
  await bad({ ipProtocol: 'tcp', fromPort: 22, toPort: 22, cidr: '10.0.0/8' }, /^10\.0\.0\/8 is not a valid IP network\.$/);
  await bad({ ipProtocol: 'tcp', fromPort: 22, toPort: 22, cidr: '10.0.0.0' }, /is not a valid IP network/);
  await bad({ ipProtocol: 'tcp', fromPort: 22, toPort: 22, cidr: '10.1.0.0/0' }, /^Bad prefix for network in cidr 10\.1\.0\.0\/0$/);
  await assert.rejects(rule({ ipProtocol: 'tcp', fromPort: 443, toPort: 443 }), fails(403, /already exists/));
});
