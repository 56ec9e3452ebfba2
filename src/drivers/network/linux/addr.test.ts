import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalIp, contains, netmask, networkAddress, networkCidr, parseCidr } from './addr.ts';
import { NetworkBackendError } from './errors.ts';

describe('addr', () => {
  it('spells addresses as ip and nft print them', () => {
    assert.equal(canonicalIp('2001:DB8:0:0::1'), '2001:db8::1');
    assert.equal(canonicalIp('10.0.0.1'), '10.0.0.1');
    assert.deepEqual(parseCidr('10.0.0.5'), { version: 4, ip: '10.0.0.5', prefixLen: 32 });
  });

  it('computes networks, masks and containment', () => {
    assert.equal(networkCidr('10.0.0.5/24'), '10.0.0.0/24');
    assert.equal(networkCidr('2001:db8:1:2::5/48'), '2001:db8:1::/48');
    assert.equal(networkCidr('0.0.0.0/0'), '0.0.0.0/0');
    assert.equal(networkAddress('2001:db8::/64'), '2001:db8::');
    assert.equal(netmask(20), '255.255.240.0');
    assert.ok(contains('10.0.0.0/24', '10.0.0.200'));
    assert.ok(!contains('10.0.0.0/24', '10.0.1.1'));
    assert.ok(!contains('10.0.0.0/24', '2001:db8::1'));
    assert.ok(contains('2001:db8::/64', '2001:db8::abcd'));
  });

  it('refuses what is not an address', () => {
    for (const bad of ['10.0.0', 'foo', '10.0.0.0/33', '2001:db8::/129']) assert.throws(() => parseCidr(bad), NetworkBackendError, bad);
  });
});
