import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SovError } from '../../platform/errors.ts';
import { normalizedCidr, protocolNumber, ruleSpec, sameRule, type RuleSpec } from './rule-validation.ts';

/** Matches a 400 of Neutron fault `type` whose message matches `message`. */
const fault = (type: string, message: RegExp) => (e: unknown) => {
  assert.ok(e instanceof SovError);
  assert.equal(e.status, 400);
  assert.equal((e as SovError & { neutronType: string }).neutronType, type);
  assert.match(e.message, message);
  return true;
};

const rule = (b: Record<string, unknown>): RuleSpec => ruleSpec({ direction: 'ingress', ...b });

test('protocol numbers follow IANA for Neutron names; numbers are themselves; any is null', () => {
  for (const [name, n] of [['icmp', 1], ['igmp', 2], ['ipip', 4], ['tcp', 6], ['egp', 8], ['udp', 17], ['dccp', 33], ['ipv6-encap', 41],
    ['ipv6-route', 43], ['ipv6-frag', 44], ['rsvp', 46], ['gre', 47], ['esp', 50], ['ah', 51], ['icmpv6', 58], ['ipv6-icmp', 58],
    ['ipv6-nonxt', 59], ['ipv6-opts', 60], ['ospf', 89], ['vrrp', 112], ['pgm', 113], ['sctp', 132], ['udplite', 136]] as const) {
    assert.equal(protocolNumber(name), n, name);
  }
  assert.equal(protocolNumber('0'), 0);
  assert.equal(protocolNumber('255'), 255);
  assert.equal(protocolNumber(null), null);
  assert.equal(protocolNumber('any'), null);
  assert.throws(() => protocolNumber('256'), fault('SecurityGroupRuleInvalidProtocol', /protocol 256 not supported/));
});

test('defaults: IPv4, any protocol, no ports, no remote, empty description', () => {
  assert.deepEqual(rule({}), {
    direction: 'ingress', ethertype: 'IPv4', protocol: null, port_range_min: null, port_range_max: null, remote_ip_prefix: null,
    remote_group_id: null, remote_address_group_id: null, description: '',
  });
});

test('direction is required and must be ingress or egress', () => {
  assert.throws(() => ruleSpec({}), fault('HTTPBadRequest', /Required attribute 'direction' not specified/));
  assert.throws(() => ruleSpec({ direction: 'up' }), fault('HTTPBadRequest', /Invalid input for direction/));
});

test('ethertype is case-insensitive and limited to IPv4 and IPv6', () => {
  assert.equal(rule({ ethertype: 'ipv6' }).ethertype, 'IPv6');
  assert.throws(() => rule({ ethertype: 'IPv5' }), fault('SecurityGroupRuleInvalidEtherType', /ethertype 'IPv5' not supported/));
});

test('protocols: names lower-cased, numbers as decimal strings, any and null as null, others refused', () => {
  assert.equal(rule({ protocol: 'TCP' }).protocol, 'tcp');
  assert.equal(rule({ protocol: 6 }).protocol, '6');
  assert.equal(rule({ protocol: '006' }).protocol, '6');
  assert.equal(rule({ protocol: 'any' }).protocol, null);
  assert.equal(rule({ protocol: null }).protocol, null);
  assert.throws(() => rule({ protocol: 'banana' }), fault('SecurityGroupRuleInvalidProtocol', /protocol banana not supported/));
  assert.throws(() => rule({ protocol: 256 }), fault('SecurityGroupRuleInvalidProtocol', /integer representations \[0 to 255\]/));
});

test('legacy IPv6 ICMP spellings become ipv6-icmp (or 58) for IPv6 only', () => {
  assert.equal(rule({ ethertype: 'IPv6', protocol: 'icmp' }).protocol, 'ipv6-icmp');
  assert.equal(rule({ ethertype: 'IPv6', protocol: 'icmpv6' }).protocol, 'ipv6-icmp');
  assert.equal(rule({ ethertype: 'IPv6', protocol: '1' }).protocol, '58');
  assert.equal(rule({ protocol: 'icmp' }).protocol, 'icmp');
});

test('IPv6-only protocols are refused for IPv4', () => {
  for (const protocol of ['ipv6-icmp', 'icmpv6', '58', 'ipv6-frag']) {
    assert.throws(() => rule({ protocol }), fault('SecurityGroupEthertypeConflictWithProtocol', /Invalid ethertype IPv4 for protocol/));
  }
});

test('port ranges: TCP/UDP/SCTP/DCCP/UDP-Lite need 1 <= min <= max <= 65535', () => {
  const ssh = rule({ protocol: 'tcp', port_range_min: '22', port_range_max: 22 });
  assert.deepEqual([ssh.port_range_min, ssh.port_range_max], [22, 22]);
  assert.equal(rule({ protocol: 'udplite', port_range_min: 1, port_range_max: 65535 }).port_range_max, 65535);
  assert.throws(() => rule({ protocol: 'tcp', port_range_min: 0, port_range_max: 22 }), fault('SecurityGroupInvalidPortValue', /^Invalid value for port 0$/));
  assert.throws(() => rule({ protocol: 'tcp', port_range_min: 1, port_range_max: 70000 }), fault('SecurityGroupInvalidPortValue', /port 70000/));
  assert.throws(() => rule({ protocol: 'tcp', port_range_min: 'x' }), fault('SecurityGroupInvalidPortValue', /port x/));
  assert.throws(() => rule({ protocol: 'udp', port_range_min: 80, port_range_max: 22 }),
    fault('SecurityGroupInvalidPortRange', /^For TCP\/UDP protocols, port_range_min must be <= port_range_max$/));
  assert.throws(() => rule({ protocol: 'sctp', port_range_min: 80 }), fault('SecurityGroupInvalidPortRange', /port_range_min must be <=/));
});

test('ports need a protocol that has them', () => {
  assert.throws(() => rule({ port_range_min: 22, port_range_max: 22 }), fault('SecurityGroupProtocolRequiredWithPorts', /Must also specify protocol/));
  assert.throws(() => rule({ protocol: 'gre', port_range_min: 22, port_range_max: 22 }),
    fault('SecurityGroupInvalidProtocolForPort', /^Ports cannot be specified for protocol 47\. Ports are only supported for DCCP, SCTP, TCP, UDP, UDPLITE\.$/));
  assert.throws(() => rule({ protocol: '111', port_range_max: 200 }), fault('SecurityGroupInvalidProtocolForPort', /protocol 111/));
});

test('ICMP type and code are 0..255, and a code needs a type', () => {
  assert.equal(rule({ protocol: 'icmp', port_range_min: 0 }).port_range_min, 0);
  assert.equal(rule({ protocol: 'icmp', port_range_min: 8, port_range_max: 0 }).port_range_max, 0);
  assert.throws(() => rule({ protocol: 'icmp', port_range_min: 256 }), fault('SecurityGroupInvalidIcmpValue', /ICMP type \(port_range_min\) 256\. It must be 0 to 255\./));
  assert.throws(() => rule({ ethertype: 'IPv6', protocol: 'ipv6-icmp', port_range_min: 1, port_range_max: 300 }),
    fault('SecurityGroupInvalidIcmpValue', /ICMP code \(port_range_max\) 300/));
  assert.throws(() => rule({ protocol: 'icmp', port_range_max: 6 }),
    fault('SecurityGroupMissingIcmpType', /^ICMP code \(port-range-max\) 6 is provided but ICMP type \(port-range-min\) is missing\.$/));
});

test('remote_ip_prefix gains a mask and keeps host bits; normalized_cidr clears them', () => {
  assert.equal(rule({ remote_ip_prefix: '10.0.0.5' }).remote_ip_prefix, '10.0.0.5/32');
  assert.equal(rule({ remote_ip_prefix: '10.0.0.5/24' }).remote_ip_prefix, '10.0.0.5/24');
  assert.equal(rule({ ethertype: 'IPv6', remote_ip_prefix: '2001:DB8:0::1/64' }).remote_ip_prefix, '2001:db8::1/64');
  assert.equal(rule({ remote_ip_prefix: '' }).remote_ip_prefix, null);
  assert.equal(normalizedCidr('10.0.0.5/24'), '10.0.0.0/24');
  assert.equal(normalizedCidr('2001:db8::1/64'), '2001:db8::/64');
  assert.equal(normalizedCidr(null), null);
  assert.throws(() => rule({ remote_ip_prefix: '10.0.0.0/33' }), fault('InvalidCIDR', /^Invalid CIDR 10\.0\.0\.0\/33 given as IP prefix\.$/));
  assert.throws(() => rule({ remote_ip_prefix: 'banana' }), fault('InvalidCIDR', /banana/));
});

test('the prefix must match the ethertype', () => {
  assert.throws(() => rule({ remote_ip_prefix: '::/0' }), fault('SecurityGroupRuleParameterConflict', /^Conflicting value ethertype IPv4 for CIDR ::\/0$/));
  assert.throws(() => rule({ ethertype: 'IPv6', remote_ip_prefix: '0.0.0.0/0' }), fault('SecurityGroupRuleParameterConflict', /ethertype IPv6 for CIDR 0\.0\.0\.0\/0/));
});

test('only one remote may be named', () => {
  assert.throws(() => rule({ remote_ip_prefix: '10.0.0.0/8', remote_group_id: '0b4ec1f2-6f1d-4a3e-9d53-3b1f3f6f0a01' }),
    fault('SecurityGroupMultipleRemoteEntites', /Only one of remote_ip_prefix or remote_group_id or remote_address_group_id may be provided\./));
  assert.throws(() => rule({ remote_group_id: '0b4ec1f2-6f1d-4a3e-9d53-3b1f3f6f0a01', remote_address_group_id: '0b4ec1f2-6f1d-4a3e-9d53-3b1f3f6f0a02' }), fault('SecurityGroupMultipleRemoteEntites', /Only one/));
});

test('remote groups are UUIDs or null, as neutron-lib\'s uuid_or_none', () => {
  assert.equal(rule({ remote_group_id: null, remote_address_group_id: null }).remote_group_id, null);
  assert.throws(() => rule({ remote_group_id: 'web' }), /Invalid input for remote_group_id\. Reason: 'web' is not a valid UUID/);
});

test('duplicates: protocol names equal numbers, anywhere equals no prefix, everything else must match', () => {
  const tcp22 = rule({ protocol: 'tcp', port_range_min: 22, port_range_max: 22 });
  assert.ok(sameRule(tcp22, rule({ protocol: '6', port_range_min: 22, port_range_max: 22, remote_ip_prefix: '0.0.0.0/0' })));
  assert.ok(!sameRule(tcp22, rule({ protocol: 'tcp', port_range_min: 22, port_range_max: 23 })));
  assert.ok(!sameRule(tcp22, { ...tcp22, direction: 'egress' }));
  assert.ok(!sameRule(tcp22, { ...tcp22, remote_ip_prefix: '10.0.0.0/8' }));
  assert.ok(sameRule(rule({ ethertype: 'IPv6' }), rule({ ethertype: 'IPv6', remote_ip_prefix: '::/0' })));
  assert.ok(sameRule({ ...rule({ ethertype: 'IPv6' }), protocol: 'icmp' }, rule({ ethertype: 'IPv6', protocol: '58' })));
  assert.ok(!sameRule(rule({}), rule({ protocol: '0' })));
  const described: RuleSpec = { ...tcp22, description: 'b' };
  assert.ok(sameRule(tcp22, described));
});
