import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NetworkSpec, SubnetSpec } from '../../../services/network/driver.ts';
import { renderDnsmasq } from './dnsmasq.ts';

const subnet = (id: string, more: Partial<SubnetSpec>): SubnetSpec =>
  ({ id, ipVersion: 4, cidr: '10.0.0.0/24', gatewayIp: '10.0.0.1', enableDhcp: true, dnsNameservers: [], hostRoutes: [], ipv6RaMode: null, ipv6AddressMode: null, ...more });
const v6 = (id: string, mode: SubnetSpec['ipv6AddressMode'], cidr: string): SubnetSpec =>
  subnet(id, { ipVersion: 6, cidr, gatewayIp: null, ipv6AddressMode: mode, ipv6RaMode: mode });

function spec(more: Partial<NetworkSpec> = {}): NetworkSpec {
  return {
    id: 'net-1', mtu: 1450, adminStateUp: true, dnsDomain: 'example.org.',
    subnets: [
      subnet('s4', { hostRoutes: [{ destination: '192.168.7.9/24', nexthop: '10.0.0.9' }] }),
      v6('s6a', 'dhcpv6-stateful', '2001:db8:a::/64'),
      v6('s6b', 'dhcpv6-stateless', '2001:db8:b::/64'),
      v6('s6c', 'slaac', '2001:db8:c::/64'),
    ],
    dhcpPort: { id: 'dhcp-port', mac: 'fa:16:3e:00:00:02', addresses: [
      { subnetId: 's4', ip: '10.0.0.2' }, { subnetId: 's6a', ip: '2001:db8:a::2' }, { subnetId: 's6b', ip: '2001:db8:b::2' }, { subnetId: 's6c', ip: '2001:db8:c::2' },
    ] },
    hosts: [
      { mac: 'FA:16:3E:00:00:05', ip: '10.0.0.5', hostname: 'vm1' },
      { mac: 'fa:16:3e:00:00:05', ip: '2001:db8:a::5', hostname: 'vm1' },
      { mac: 'fa:16:3e:00:00:05', ip: '2001:db8:b::5', hostname: 'vm1' },
      { mac: 'fa:16:3e:00:00:05', ip: '2001:db8:c::5', hostname: 'vm1' },
    ],
    uplink: null,
    ...more,
  };
}

describe('renderDnsmasq', () => {
  it('serves static ranges on the DHCP port only, for every subnet not left to SLAAC', () => {
    const config = renderDnsmasq(spec(), '/run/n', 'ns-dhcp-port')!;
    assert.deepEqual(config.argv.filter((a) => /^--(dhcp-range|interface|except-interface|bind|domain|local)/.test(a)), [
      '--interface=ns-dhcp-port', '--except-interface=lo', '--bind-dynamic', '--domain=example.org', '--local=/example.org/',
      '--dhcp-range=set:subnet-s4,10.0.0.0,static,255.255.255.0,86400s',
      '--dhcp-range=set:subnet-s6a,2001:db8:a::,static,64,86400s',
      '--dhcp-range=set:subnet-s6b,2001:db8:b::,static,64,86400s',
    ]);
    assert.ok(config.argv.includes('--pid-file=/run/n/dnsmasq.pid'));
  });

  it('lists each host with its address on DHCP subnets, IPv6 in brackets', () => {
    const files = renderDnsmasq(spec(), '/run/n', 'ns-x')!.files;
    assert.equal(files.get('/run/n/host'), 'fa:16:3e:00:00:05,vm1,10.0.0.5\nfa:16:3e:00:00:05,vm1,[2001:db8:a::5]\n');
    assert.equal(files.get('/run/n/addn_hosts'), [
      '10.0.0.5\tvm1.example.org vm1', '2001:db8:a::5\tvm1.example.org vm1', '2001:db8:b::5\tvm1.example.org vm1', '2001:db8:c::5\tvm1.example.org vm1', '',
    ].join('\n'));
  });

  it('hands out routes (metadata via itself), router, DNS and MTU', () => {
    const opts = renderDnsmasq(spec(), '/run/n', 'ns-x')!.files.get('/run/n/opts')!.split('\n');
    const routes = '169.254.169.254/32,10.0.0.2,192.168.7.0/24,10.0.0.9,0.0.0.0/0,10.0.0.1';
    assert.deepEqual(opts.filter((l) => l.startsWith('tag:subnet-s4,')), [
      'tag:subnet-s4,option:dns-server,0.0.0.0',
      `tag:subnet-s4,option:classless-static-route,${routes}`,
      `tag:subnet-s4,249,${routes}`,
      'tag:subnet-s4,option:router,10.0.0.1',
      'tag:subnet-s4,option:mtu,1450',
    ]);
    assert.deepEqual(opts.filter((l) => l.startsWith('tag:subnet-s6a,')), ['tag:subnet-s6a,option6:dns-server,[::]', 'tag:subnet-s6a,option6:domain-search,example.org']);
  });

  it('offers no router without a gateway, and the subnet\'s own DNS servers', () => {
    const s = spec({ subnets: [subnet('s4', { gatewayIp: null, dnsNameservers: ['192.0.2.53', '2001:db8::53'] })] });
    const opts = renderDnsmasq(s, '/run/n', 'ns-x')!.files.get('/run/n/opts')!;
    assert.match(opts, /^tag:subnet-s4,option:router$/m);
    assert.match(opts, /^tag:subnet-s4,option:dns-server,192\.0\.2\.53$/m);
    assert.match(opts, /classless-static-route,169\.254\.169\.254\/32,10\.0\.0\.2$/m);
  });

  it('needs no server without a DHCP port or a DHCP subnet', () => {
    assert.equal(renderDnsmasq(spec({ dhcpPort: null }), '/run/n', 'ns-x'), null);
    assert.equal(renderDnsmasq(spec({ subnets: spec().subnets.map((s) => ({ ...s, enableDhcp: false })) }), '/run/n', 'ns-x'), null);
    assert.equal(renderDnsmasq(spec({ subnets: [v6('s6c', 'slaac', '2001:db8:c::/64')] }), '/run/n', 'ns-x'), null);
  });
});
