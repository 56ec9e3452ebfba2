import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Link } from './exec.ts';
import { addressChanges, type Veth, vethChanges } from './links.ts';

const veth: Veth = { ns: 'sv1-dhcp-n', device: 'ns-p', tap: 'tapp', bridge: 'brqn', mac: 'FA:16:3E:00:00:02', mtu: 1450, up: true, addresses: ['10.0.0.2/24', '2001:db8::2/64'] };

describe('vethChanges', () => {
  it('creates a missing pair on the bridge with its MAC and addresses', () => {
    assert.deepEqual(vethChanges([veth], [], []), {
      int: ['link add tapp mtu 1450 type veth peer name ns-p mtu 1450 netns sv1-dhcp-n', 'link set tapp master brqn up'],
      ns: ['link set ns-p address FA:16:3E:00:00:02 up', 'addr add 10.0.0.2/24 dev ns-p', 'addr add 2001:db8::2/64 dev ns-p nodad'],
    });
  });

  it('changes nothing when all is as described', () => {
    const tap: Link = { ifindex: 3, ifname: 'tapp', flags: ['UP'], mtu: 1450, master: 'brqn' };
    const dev: Link = { ifindex: 2, ifname: 'ns-p', flags: ['UP'], mtu: 1450, address: 'fa:16:3e:00:00:02', addr_info: [
      { family: 'inet', local: '10.0.0.2', prefixlen: 24, scope: 'global' },
      { family: 'inet6', local: '2001:db8::2', prefixlen: 64, scope: 'global' },
      { family: 'inet6', local: 'fe80::1', prefixlen: 64, scope: 'link' },
    ] };
    assert.deepEqual(vethChanges([veth], [tap], [dev]), { int: [], ns: [] });
    assert.deepEqual(vethChanges([{ ...veth, up: false }], [{ ...tap, master: 'other' }], [dev]), {
      int: ['link set tapp master brqn mtu 1450 up'],
      ns: ['link set ns-p address FA:16:3E:00:00:02 mtu 1450 down'],
    });
  });
});

describe('addressChanges', () => {
  it('removes what is not described and adds what is missing, in canonical spelling', () => {
    const current = [{ family: 'inet' as const, local: '10.0.0.3', prefixlen: 24, scope: 'global' }];
    assert.deepEqual(addressChanges('qg-1', current, ['2001:DB8:0::1/64', '10.0.0.4/24']), [
      'addr del 10.0.0.3/24 dev qg-1', 'addr add 2001:db8::1/64 dev qg-1 nodad', 'addr add 10.0.0.4/24 dev qg-1',
    ]);
  });
});
