import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RouterSpec } from '../../../services/network/driver.ts';
import { renderRouterNat } from './router.ts';

const router = (more: Partial<RouterSpec> = {}): RouterSpec => ({
  id: 'r1', adminStateUp: true, routes: [], interfaces: [],
  gateway: { portId: 'gw', networkId: 'ext', mac: 'fa:16:3e:00:00:fe', gatewayIps: ['203.0.113.1'], enableSnat: true,
    addresses: [{ ip: '2001:db8::2', cidr: '2001:db8::/64', ipv6RaMode: null, ipv6AddressMode: null }, { ip: '203.0.113.2', cidr: '203.0.113.0/24', ipv6RaMode: null, ipv6AddressMode: null }] },
  floatingIps: [{ floatingIp: '203.0.113.10', fixedIp: '10.0.0.5' }],
  ...more,
});

const rules = (script: string): string[] => script.split('\n').filter((l) => l.startsWith('    ') && !l.includes(' hook ')).map((l) => l.trim());

describe('renderRouterNat', () => {
  it('translates floating IPs both ways ahead of the gateway SNAT', () => {
    const script = renderRouterNat(router(), 'qg-gw');
    assert.ok(script.startsWith('table ip sovcloud {}\ndelete table ip sovcloud\ntable ip sovcloud {\n'));
    assert.deepEqual(rules(script), [
      'ip daddr 203.0.113.10 dnat to 10.0.0.5',
      'oifname "qg-gw" ip saddr 10.0.0.5 snat to 203.0.113.10',
      'iifname != "qg-gw" oifname != "qg-gw" ct status dnat masquerade',
      'oifname "qg-gw" snat to 203.0.113.2',
    ]);
  });

  it('leaves out the SNAT when disabled and everything without a gateway', () => {
    assert.deepEqual(rules(renderRouterNat(router({ floatingIps: [], gateway: { ...router().gateway!, enableSnat: false } }), 'qg-gw')), []);
    assert.deepEqual(rules(renderRouterNat(router({ gateway: null }), null)), []);
  });
});
