import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FirewallRule, FirewallSpec, PortFirewall } from '../../../services/network/driver.ts';
import { LinuxNetworkDriver } from './linux-network-driver.ts';
import { eventually, type Guest, Lab, liveSkipReason } from './test-kit.ts';

const skip = await liveSkipReason();
const silent = { info() {}, warn() {}, error() {} };

function rule(direction: 'ingress' | 'egress', more: Partial<FirewallRule> = {}): FirewallRule {
  return { direction, ethertype: 'IPv4', protocol: null, portRangeMin: null, portRangeMax: null, remoteIpPrefix: null, remoteGroupId: null, ...more };
}
const ICMP = rule('ingress', { protocol: 1 });
const TCP_8080 = rule('ingress', { protocol: 6, portRangeMin: 8080, portRangeMax: 8080 });
const EGRESS = rule('egress');

describe('LinuxNetworkDriver firewall (live)', { skip }, () => {
  let lab: Lab;
  let driver: LinuxNetworkDriver;
  const net = randomUUID();
  const group = randomUUID();
  const g: Record<string, Guest> = {};
  const port = (name: string, n: number, rules: FirewallRule[], more: Partial<PortFirewall> = {}): PortFirewall => ({
    portId: ids[name]!, networkId: net, mac: `fa:16:3e:00:01:0${n}`, ips: [`10.0.0.${n}`], allowedAddressPairs: [], portSecurityEnabled: true, rules, ...more,
  });
  const ids: Record<string, string> = { g1: randomUUID(), g2: randomUUID(), g3: randomUUID() };
  // g1 may send anything; g2 answers pings and nothing else, and sends nothing of its own;
  // g3 is unfiltered.
  const base = (): FirewallSpec => ({
    ports: [port('g1', 5, [EGRESS]), port('g2', 6, [ICMP]), port('g3', 7, [], { portSecurityEnabled: false })],
    groups: [{ id: group, ips: ['10.0.0.5'] }],
  });
  const withG2Rules = (rules: FirewallRule[]): FirewallSpec => {
    const spec = base();
    spec.ports[1]!.rules = rules;
    return spec;
  };

  before(async () => {
    lab = await Lab.create();
    driver = new LinuxNetworkDriver({ prefix: lab.prefix, runDir: join(lab.dir, 'run'), metadataSocket: join(lab.dir, 'none.sock'), log: silent });
    await driver.start();
    await driver.ensureNetwork({ id: net, mtu: 1500, adminStateUp: true, dnsDomain: '', subnets: [], dhcpPort: null, hosts: [], uplink: null });
    for (const [name, n] of [['g1', 5], ['g2', 6], ['g3', 7]] as const) {
      g[name] = await lab.guest(driver, name, net, ids[name]!, `fa:16:3e:00:01:0${n}`);
      await g[name].exec(['ip', 'addr', 'add', `10.0.0.${n}/24`, 'dev', 'eth0']);
    }
    g.g2!.listen(8080);
    await driver.applyFirewall(base());
  });

  after(async () => {
    try {
      await driver?.purge();
    } finally {
      await lab?.cleanup();
    }
  });

  it('allows what the rules allow, and the answers, and drops the rest', async () => {
    assert.ok(await g.g1!.ping('10.0.0.6'), 'g2 answers pings although its egress rules allow nothing');
    assert.equal(await g.g1!.connects('10.0.0.6', 8080), false);
  });

  it('opens a port when a rule is added and closes it when the rule goes', async () => {
    await driver.applyFirewall(withG2Rules([ICMP, TCP_8080]));
    assert.ok(await eventually(() => g.g1!.connects('10.0.0.6', 8080), 2000));
    await driver.applyFirewall(base());
    assert.equal(await g.g1!.connects('10.0.0.6', 8080), false);
  });

  it('admits members of a remote group only', async () => {
    await driver.applyFirewall(withG2Rules([ICMP, { ...TCP_8080, remoteGroupId: group }]));
    assert.ok(await eventually(() => g.g1!.connects('10.0.0.6', 8080), 2000));
    assert.equal(await g.g3!.connects('10.0.0.6', 8080), false);
  });

  it('stops a guest sending once its egress rule is removed', async () => {
    const spec = base();
    spec.ports[0]!.rules = [];
    await driver.applyFirewall(spec);
    assert.equal(await g.g1!.ping('10.0.0.6'), false);
    assert.ok(await g.g3!.ping('10.0.0.6'));
    await driver.applyFirewall(base());
    assert.ok(await eventually(() => g.g1!.ping('10.0.0.6'), 3000));
  });

  it('drops traffic from an address the port does not own, unless it is an allowed pair', async () => {
    await g.g1!.exec(['ip', 'addr', 'flush', 'dev', 'eth0']);
    await g.g1!.exec(['ip', 'addr', 'add', '10.0.0.50/24', 'dev', 'eth0']);
    assert.equal(await g.g1!.ping('10.0.0.6'), false);
    const spec = base();
    spec.ports[0]!.allowedAddressPairs = [{ ipAddress: '10.0.0.48/29', macAddress: 'fa:16:3e:00:01:05' }];
    await driver.applyFirewall(spec);
    // The neighbour entry the dropped attempt left behind needs one more ARP round.
    assert.ok(await eventually(() => g.g1!.ping('10.0.0.6'), 3000));
  });
});
