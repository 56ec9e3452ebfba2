import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderRadvd } from './radvd.ts';

const flags = (config: string): string[] => config.split('\n').filter((l) => /Adv(Managed|OtherConfig)Flag|AdvAutonomous|prefix/.test(l)).map((l) => l.trim());

describe('renderRadvd', () => {
  it('sets Neutron\'s flags for each IPv6 RA mode', () => {
    assert.deepEqual(flags(renderRadvd([{ device: 'qr-1', mtu: 1450, prefixes: [{ cidr: '2001:db8:1::1/64', raMode: 'slaac' }] }])),
      ['AdvManagedFlag off;', 'AdvOtherConfigFlag off;', 'prefix 2001:db8:1::/64', 'AdvAutonomous on;']);
    assert.deepEqual(flags(renderRadvd([{ device: 'qr-1', mtu: 1450, prefixes: [{ cidr: '2001:db8:1::/64', raMode: 'dhcpv6-stateless' }] }])),
      ['AdvManagedFlag off;', 'AdvOtherConfigFlag on;', 'prefix 2001:db8:1::/64', 'AdvAutonomous on;']);
    assert.deepEqual(flags(renderRadvd([{ device: 'qr-1', mtu: 1450, prefixes: [{ cidr: '2001:db8:1::/64', raMode: 'dhcpv6-stateful' }] }])),
      ['AdvManagedFlag on;', 'AdvOtherConfigFlag on;', 'prefix 2001:db8:1::/64', 'AdvAutonomous off;']);
  });

  it('writes one block per interface with its MTU', () => {
    const config = renderRadvd([
      { device: 'qr-1', mtu: 1450, prefixes: [{ cidr: '2001:db8:1::/64', raMode: 'slaac' }] },
      { device: 'qr-2', mtu: 1500, prefixes: [{ cidr: '2001:db8:2::/64', raMode: 'slaac' }] },
    ]);
    assert.deepEqual(config.split('\n').filter((l) => /^interface|AdvLinkMTU/.test(l)).map((l) => l.trim()), ['interface qr-1', 'AdvLinkMTU 1450;', 'interface qr-2', 'AdvLinkMTU 1500;']);
  });
});
