import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NetworkBackendError } from './errors.ts';
import { Names } from './names.ts';

const id = '3f2a9c1e-7b4d-4e5f-8a9b-0c1d2e3f4a5b';

describe('Names', () => {
  it('derives Neutron-style device names that fit Linux\'s 15 characters', () => {
    const n = new Names('sv3f2a');
    const devices = [n.bridge(id), n.tap(id), n.dhcpDevice(id), n.routerInterface(id), n.routerGateway(id), n.uplinkHost(id), n.uplinkPeer(id)];
    assert.deepEqual(devices, ['brq3f2a9c1e-7b', 'tap3f2a9c1e-7b', 'ns-3f2a9c1e-7b', 'qr-3f2a9c1e-7b', 'qg-3f2a9c1e-7b', 'sv3f2a-pub3f2a9', 'pub3f2a9c1e-7b']);
    assert.ok(devices.every((d) => d.length <= 15));
  });

  it('finds ids in its own namespace names only', () => {
    const n = new Names('sv1');
    assert.equal(n.networkOfDhcpNs(n.dhcpNs(id)), id);
    assert.equal(n.routerOfNs(n.routerNs(id)), id);
    assert.equal(n.networkOfDhcpNs(new Names('sv12').dhcpNs(id)), null);
    assert.equal(n.routerOfNs(n.dhcpNs(id)), null);
  });

  it('refuses prefixes and ids that could escape their names', () => {
    assert.throws(() => new Names('toolong'), NetworkBackendError);
    assert.throws(() => new Names('Sv1'), NetworkBackendError);
    assert.throws(() => new Names('sv1').dhcpNs('../etc'), NetworkBackendError);
    assert.throws(() => new Names('sv1').tap('a b'), NetworkBackendError);
  });
});
