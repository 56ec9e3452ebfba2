import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FirewallRule, PortFirewall } from '../../../services/network/driver.ts';
import { renderFirewall, ruleStatement } from './firewall.ts';
import { Names } from './names.ts';

const names = new Names('sv1');
const rule = (more: Partial<FirewallRule> = {}): FirewallRule =>
  ({ direction: 'ingress', ethertype: 'IPv4', protocol: null, portRangeMin: null, portRangeMax: null, remoteIpPrefix: null, remoteGroupId: null, ...more });
const port = (portId: string, more: Partial<PortFirewall> = {}): PortFirewall =>
  ({ portId, networkId: 'net-1', mac: 'FA:16:3E:00:00:01', ips: ['10.0.0.5'], allowedAddressPairs: [], portSecurityEnabled: true, rules: [], ...more });
const groups = new Map([['grp', { name: 'g1' }]]);

/** The lines of chain `name` in the rendered script, without indentation. */
function chainOf(script: string, table: string, name: string): string[] {
  const lines = script.slice(script.lastIndexOf(`table ${table} sovcloud {`)).split('\n');
  const start = lines.indexOf(`  chain ${name} {`);
  assert.notEqual(start, -1, `chain ${name} in ${table}`);
  return lines.slice(start + 1, lines.indexOf('  }', start)).map((l) => l.trim());
}

describe('renderFirewall', () => {
  it('replaces both tables in one script, whether or not they exist', () => {
    const script = renderFirewall({ ports: [], groups: [] }, names, []);
    assert.deepEqual(script.split('\n').filter((l) => /^(table|delete)/.test(l)), [
      'table bridge sovcloud {}', 'delete table bridge sovcloud', 'table bridge sovcloud {',
      'table inet sovcloud {}', 'delete table inet sovcloud', 'table inet sovcloud {',
    ]);
    assert.doesNotMatch(script, /map \{ \}/);
  });

  it('numbers the filtered ports in the mark and leaves others alone', () => {
    const script = renderFirewall({ ports: [port('bbbbbbbb-2222'), port('aaaaaaaa-1111'), port('cccccccc-3333', { portSecurityEnabled: false })], groups: [] }, names, [{ bridge: 'brqnet-1', zone: 7 }]);
    assert.deepEqual(chainOf(script, 'bridge', 'prerouting').slice(1), [
      'meta mark set 0x0',
      'meta mark set iifname map { "tapaaaaaaaa-11" : 0x00010000, "tapbbbbbbbb-22" : 0x00020000 }',
      'iifname vmap { "tapaaaaaaaa-11" : jump spoof_1, "tapbbbbbbbb-22" : jump spoof_2 }',
    ]);
    assert.deepEqual(chainOf(script, 'bridge', 'out_2'), ['meta mark set meta mark | 0x00000002']);
    assert.deepEqual(chainOf(script, 'inet', 'forward').slice(1), [
      'ct state established,related accept',
      'meta mark & 0xffff0000 vmap { 0x00010000 : jump egress_1, 0x00020000 : jump egress_2 }',
      'meta mark & 0x0000ffff vmap { 0x00000001 : jump ingress_1, 0x00000002 : jump ingress_2 }',
    ]);
    assert.deepEqual(chainOf(script, 'inet', 'prerouting').slice(1), ['ct zone set iifname map { "brqnet-1" : 7 }']);
    assert.doesNotMatch(script, /tapcccccccc/);
  });

  it('lets a port send only from its own and its allowed pairs\' addresses', () => {
    const script = renderFirewall({ ports: [port('p', {
      ips: ['10.0.0.5', '2001:DB8::5'],
      allowedAddressPairs: [{ ipAddress: '10.0.1.0/24', macAddress: 'fa:16:3e:00:00:09' }, { ipAddress: '10.0.0.0/24', macAddress: 'fa:16:3e:00:00:01' }],
    })], groups: [] }, names, []);
    assert.deepEqual(chainOf(script, 'bridge', 'spoof_1'), [
      'ether saddr != { fa:16:3e:00:00:01, fa:16:3e:00:00:09 } drop',
      'udp sport 67 udp dport 68 drop',
      'udp sport 547 udp dport 546 drop',
      'icmpv6 type { nd-router-advert, nd-redirect } drop',
      // 10.0.0.5 lies within the pair's 10.0.0.0/24 for the same MAC; nft refuses overlaps.
      'arp saddr ether . arp saddr ip { fa:16:3e:00:00:09 . 10.0.1.0/24, fa:16:3e:00:00:01 . 10.0.0.0/24 } return',
      'ether saddr . ip saddr { fa:16:3e:00:00:09 . 10.0.1.0/24, fa:16:3e:00:00:01 . 10.0.0.0/24 } return',
      'ip saddr 0.0.0.0 ip daddr 255.255.255.255 udp sport 68 udp dport 67 return',
      'arp saddr ether { fa:16:3e:00:00:01, fa:16:3e:00:00:09 } arp saddr ip 0.0.0.0 return',
      'ether saddr . ip6 saddr { fa:16:3e:00:00:01 . 2001:db8::5, fa:16:3e:00:00:09 . fe80::/10, fa:16:3e:00:00:01 . fe80::/10 } return',
      'ip6 saddr :: return',
      'drop',
    ]);
  });

  it('gives every port the fixed rules, then its own, then drop', () => {
    const script = renderFirewall({ ports: [port('p', { rules: [rule({ protocol: 6, portRangeMin: 22, portRangeMax: 22 }), rule({ direction: 'egress' })] })], groups: [] }, names, []);
    assert.deepEqual(chainOf(script, 'inet', 'ingress_1'), [
      'icmpv6 type { nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert, mld-listener-query } return',
      'udp sport 67 udp dport 68 return',
      'udp sport 547 udp dport 546 return',
      'ct state invalid drop',
      'meta nfproto ipv4 tcp dport 22 return',
      'drop',
    ]);
    assert.deepEqual(chainOf(script, 'inet', 'egress_1').slice(-2), ['meta nfproto ipv4 return', 'drop']);
  });

  it('splits remote groups into one set per family', () => {
    const script = renderFirewall({ ports: [], groups: [{ id: 'a', ips: ['10.0.0.5', '10.0.0.5', '2001:db8::5'] }, { id: 'b', ips: [] }] }, names, []);
    assert.match(script, /set g1_v4 \{\n {4}type ipv4_addr\n {4}elements = \{ 10\.0\.0\.5 \}\n {2}\}/);
    assert.match(script, /set g1_v6 \{\n {4}type ipv6_addr\n {4}elements = \{ 2001:db8::5 \}\n {2}\}/);
    assert.match(script, /set g2_v4 \{\n {4}type ipv4_addr\n {2}\}/);
  });
});

describe('ruleStatement', () => {
  const cases: [Partial<FirewallRule>, string | null][] = [
    [{}, 'meta nfproto ipv4 return'],
    [{ ethertype: 'IPv6' }, 'meta nfproto ipv6 return'],
    [{ protocol: 6 }, 'meta nfproto ipv4 meta l4proto tcp return'],
    [{ protocol: 17, portRangeMin: 1000, portRangeMax: 2000 }, 'meta nfproto ipv4 udp dport 1000-2000 return'],
    [{ protocol: 132, portRangeMin: 9, portRangeMax: 9 }, 'meta nfproto ipv4 sctp dport 9 return'],
    [{ protocol: 1, portRangeMin: 8, portRangeMax: 0 }, 'meta nfproto ipv4 icmp type 8 icmp code 0 return'],
    [{ protocol: 1 }, 'meta nfproto ipv4 meta l4proto icmp return'],
    [{ ethertype: 'IPv6', protocol: 1, portRangeMin: 128 }, 'meta nfproto ipv6 icmpv6 type 128 return'],
    [{ ethertype: 'IPv6', protocol: 58 }, 'meta nfproto ipv6 meta l4proto ipv6-icmp return'],
    [{ protocol: 47 }, 'meta nfproto ipv4 meta l4proto 47 return'],
    [{ remoteIpPrefix: '192.168.1.7/16' }, 'meta nfproto ipv4 ip saddr 192.168.0.0/16 return'],
    [{ direction: 'egress', ethertype: 'IPv6', remoteIpPrefix: '2001:db8::/32' }, 'meta nfproto ipv6 ip6 daddr 2001:db8::/32 return'],
    [{ remoteIpPrefix: '2001:db8::/32' }, null],
    [{ remoteGroupId: 'grp', protocol: 6, portRangeMin: 80, portRangeMax: 80 }, 'meta nfproto ipv4 ip saddr @g1_v4 tcp dport 80 return'],
    [{ remoteGroupId: 'unknown' }, null],
  ];
  for (const [more, expected] of cases) {
    it(`renders ${JSON.stringify(more)}`, () => assert.equal(ruleStatement(rule(more), groups), expected));
  }
});
