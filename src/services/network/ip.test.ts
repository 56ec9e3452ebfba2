import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalIp, contains, defaultPools, eui64, overlaps, parseCidr } from './ip.ts';

test('CIDRs are canonicalized with host bits cleared, for both families', () => {
  assert.equal(parseCidr('10.0.0.7/24').text, '10.0.0.0/24');
  assert.equal(parseCidr('2001:DB8:0::5/64').text, '2001:db8::/64');
  assert.throws(() => parseCidr('10.0.0.0/33'), /not a valid IP subnet/);
  assert.throws(() => parseCidr('10.0.0/24'), /not a valid IP subnet/);
  assert.throws(() => parseCidr('banana'), /not a valid IP subnet/);
  assert.equal(canonicalIp('2001:0db8:0000::0001'), '2001:db8::1');
});

test('containment and overlap respect the address family', () => {
  const v4 = parseCidr('10.0.0.0/24');
  assert.ok(contains(v4, '10.0.0.255'));
  assert.ok(!contains(v4, '10.0.1.0'));
  assert.ok(!contains(v4, '::1'));
  assert.ok(overlaps(v4, parseCidr('10.0.0.128/25')));
  assert.ok(!overlaps(v4, parseCidr('10.0.1.0/24')));
  assert.ok(!overlaps(v4, parseCidr('::/0')));
});

test('default pools skip network, broadcast and the gateway, as Neutron does', () => {
  assert.deepEqual(defaultPools(parseCidr('10.0.0.0/24'), '10.0.0.1'), [{ start: '10.0.0.2', end: '10.0.0.254' }]);
  assert.deepEqual(defaultPools(parseCidr('10.0.0.0/24'), '10.0.0.100'), [{ start: '10.0.0.1', end: '10.0.0.99' }, { start: '10.0.0.101', end: '10.0.0.254' }]);
  assert.deepEqual(defaultPools(parseCidr('10.0.0.0/24'), null), [{ start: '10.0.0.1', end: '10.0.0.254' }]);
  assert.deepEqual(defaultPools(parseCidr('2001:db8::/126'), '2001:db8::1'), [{ start: '2001:db8::2', end: '2001:db8::3' }]);
});

test('EUI-64 addresses are what a guest kernel forms from its MAC', () => {
  assert.equal(eui64(parseCidr('2001:db8:1::/64'), 'fa:16:3e:12:34:56'), '2001:db8:1:0:f816:3eff:fe12:3456');
});
