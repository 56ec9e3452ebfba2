import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually as waitUntil, ssh as sshTo } from './vm.ts';
import { http, startCloud, type Cloud } from './harness.ts';

// The server actions beyond boot/stop/snapshot on one real VM of the tiny image, driven with
// Debian's `openstack` CLI as the `demo` member: pause, suspend, lock, reboots, resizes,
// rebuild, ports, security groups, events, tags and properties; then the legacy
// `os-security-groups` proxy over plain HTTP. Cases run in file order on the one server; every
// boot is waited out over ssh, because a guest still booting misses the ACPI power button.

let cloud: Cloud;
let dir = '';
let keyFile = '';
const vm = { id: '', ip: '' };
const BOOT_TIMEOUT_MS = 120_000;
const DEMO = 'sovcloud-demo';

const eventually = <T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = BOOT_TIMEOUT_MS) => waitUntil(what, probe, timeoutMs);
const ssh = (command: string, timeoutMs?: number) => sshTo(keyFile, vm.ip, command, timeoutMs);

async function sshReady(): Promise<void> {
  await eventually(`ssh to ${vm.ip}`, async () => (await ssh('true')).code === 0);
}

async function show(): Promise<Record<string, any>> {
  return cloud.osJson(DEMO, ['server', 'show', vm.id]);
}

async function waitStatus(want: string): Promise<Record<string, any>> {
  return eventually(`server to be ${want}`, async () => {
    const s = await show();
    assert.ok(s.status !== 'ERROR', `server went to ERROR: ${JSON.stringify(s.fault)}`);
    return s.status === want && s['OS-EXT-STS:task_state'] === null && s;
  });
}

/** Runs `openstack server <args> <vm>` as demo and asserts it succeeded. */
async function server(...args: string[]): Promise<void> {
  const r = await cloud.os(DEMO, ['server', ...args]);
  assert.equal(r.code, 0, `server ${args.join(' ')}: ${r.stderr}`);
}

async function boots(): Promise<number> {
  const log = await cloud.os(DEMO, ['console', 'log', 'show', vm.id]);
  return log.stdout.split('sovcloud-guest: ready').length - 1;
}

before(async () => {
  cloud = await startCloud();
  dir = await mkdtemp(join(tmpdir(), 'sovcloud-actions-'));
  keyFile = join(dir, 'key');
  const created = await cloud.os(DEMO, ['keypair', 'create', 'k1']);
  assert.equal(created.code, 0, created.stderr);
  await writeFile(keyFile, created.stdout);
  await chmod(keyFile, 0o600);
  const s = await cloud.osJson(DEMO, ['server', 'create', '--image', 'sovcloud-tiny', '--flavor', 'SCS-1L-1', '--network', 'default-network',
    '--security-group', 'ssh-icmp', '--key-name', 'k1', '--wait', 'act1']);
  vm.id = s.id;
  const fip = await cloud.osJson(DEMO, ['floating', 'ip', 'create', 'public']);
  await server('add', 'floating', 'ip', vm.id, fip.floating_ip_address);
  vm.ip = fip.floating_ip_address;
  await sshReady();
});

after(async () => {
  await cloud?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('pause and unpause: PAUSED, then ACTIVE and ssh answers again', async () => {
  await server('pause', vm.id);
  await waitStatus('PAUSED');
  assert.notEqual((await ssh('true', 8_000)).code, 0, 'a paused guest does not answer');
  await server('unpause', vm.id);
  await waitStatus('ACTIVE');
  await sshReady();
});

test('suspend and resume: SUSPENDED, then ACTIVE with a file written before still there', async () => {
  assert.equal((await ssh('echo before-suspend > /home/sovcloud/marker && sync')).code, 0);
  await server('suspend', vm.id);
  const suspended = await waitStatus('SUSPENDED');
  assert.equal(suspended['OS-EXT-STS:power_state'], 7);
  await server('resume', vm.id);
  await waitStatus('ACTIVE');
  await sshReady();
  assert.equal((await ssh('cat /home/sovcloud/marker')).stdout, 'before-suspend\n');
});

test('a locked server refuses a member\'s stop with Nova\'s message; unlocked it is ACTIVE as before', async () => {
  await server('lock', vm.id);
  const err = await cloud.osFail(DEMO, ['server', 'stop', vm.id]);
  assert.match(err, new RegExp(`Instance ${vm.id} is locked \\(HTTP 409\\)`));
  await server('unlock', vm.id);
  assert.equal((await show()).status, 'ACTIVE');
});

test('soft and hard reboot: ACTIVE after each, and the console log shows each new boot', async () => {
  const before = await boots();
  await server('reboot', '--wait', vm.id);
  await waitStatus('ACTIVE');
  await eventually('a second boot on the console', async () => (await boots()) >= before + 1);
  await sshReady();
  await server('reboot', '--hard', '--wait', vm.id);
  await waitStatus('ACTIVE');
  await eventually('a third boot on the console', async () => (await boots()) >= before + 2);
  await sshReady();
});

test('resize to SCS-1V-2 and confirm; resize again and revert', async () => {
  await server('resize', '--flavor', 'SCS-1V-2', '--wait', vm.id);
  const verify = await waitStatus('VERIFY_RESIZE');
  assert.match(verify.flavor, /^SCS-1V-2 /);
  await sshReady();
  const memKiB = Number(/MemTotal:\s+(\d+)/.exec((await ssh('cat /proc/meminfo')).stdout)?.[1]);
  assert.ok(memKiB > 1_500_000, `the guest has the new flavor's 2 GiB: ${memKiB} KiB`);
  await server('resize', 'confirm', vm.id);
  assert.match((await waitStatus('ACTIVE')).flavor, /^SCS-1V-2 /);

  await server('resize', '--flavor', 'SCS-1L-1', '--wait', vm.id);
  assert.match((await waitStatus('VERIFY_RESIZE')).flavor, /^SCS-1L-1 /);
  await sshReady();
  await server('resize', 'revert', vm.id);
  assert.match((await waitStatus('ACTIVE')).flavor, /^SCS-1V-2 /);
  await sshReady();
});

test('rebuild from sovcloud-tiny: ACTIVE on a fresh disk (the marker is gone)', async () => {
  await server('rebuild', '--image', 'sovcloud-tiny', '--wait', vm.id);
  await waitStatus('ACTIVE');
  await sshReady();
  const r = await ssh('test -e /home/sovcloud/marker && echo present || echo gone');
  assert.equal(r.stdout, 'gone\n');
});

test('add and remove a port: the guest sees eth1 come and go', async () => {
  const port = await cloud.osJson(DEMO, ['port', 'create', '--network', 'default-network', 'act1-second']);
  await server('add', 'port', vm.id, port.id);
  await eventually('eth1 in the guest', async () => (await ssh('ip -o link show')).stdout.includes('eth1'), 60_000);
  const shown = await show();
  assert.ok(JSON.stringify(shown.addresses).includes(port.fixed_ips[0].ip_address), `the new address shows: ${JSON.stringify(shown.addresses)}`);
  await server('remove', 'port', vm.id, port.id);
  await eventually('eth1 gone from the guest', async () => !(await ssh('ip -o link show')).stdout.includes('eth1'), 60_000);
  assert.equal((await cloud.osJson(DEMO, ['port', 'show', port.id])).device_id, '');
});

test('add and remove a security group: the server lists it in between', async () => {
  await cloud.osJson(DEMO, ['security', 'group', 'create', 'act-web']);
  await server('add', 'security', 'group', vm.id, 'act-web');
  const groups = (s: Record<string, any>) => JSON.stringify(s.security_groups);
  assert.match(groups(await show()), /act-web/);
  await server('remove', 'security', 'group', vm.id, 'act-web');
  assert.doesNotMatch(groups(await show()), /act-web/);
  await sshReady();
});

test('tags (2.26) filter the server list; properties and a new name show', async () => {
  const v = ['--os-compute-api-version', '2.26'];
  await server(...v, 'set', '--tag', 'blue', '--tag', 'green', vm.id);
  const tagged = await cloud.osJson(DEMO, [...v, 'server', 'list', '--tags', 'blue,green']);
  assert.deepEqual(tagged.map((s: { ID: string }) => s.ID), [vm.id]);
  await server(...v, 'unset', '--tag', 'blue', vm.id);
  assert.deepEqual(await cloud.osJson(DEMO, [...v, 'server', 'list', '--tags', 'blue']), []);
  assert.deepEqual((await cloud.osJson(DEMO, [...v, 'server', 'show', vm.id])).tags, ['green']);

  await server('set', '--property', 'role=web', '--name', 'act1-renamed', vm.id);
  const s = await show();
  assert.equal(s.name, 'act1-renamed');
  assert.match(JSON.stringify(s.properties), /role.*web/);
});

test('server event list names every action taken, each with its request id', async () => {
  const events: { 'Request ID': string; Action: string }[] = await cloud.osJson(DEMO, ['server', 'event', 'list', vm.id]);
  const actions = events.map((e) => e.Action);
  for (const a of ['create', 'pause', 'unpause', 'suspend', 'resume', 'lock', 'unlock', 'reboot', 'resize', 'confirmResize', 'revertResize', 'rebuild',
    'attach_interface', 'detach_interface']) {
    assert.ok(actions.includes(a), `${a} is listed: ${actions.join(', ')}`);
  }
  assert.equal(actions.filter((a) => a === 'reboot').length, 2);
  assert.ok(!actions.includes('stop'), 'the refused stop left no action');
  assert.ok(events.every((e) => /^req-[0-9a-f-]{36}$/.test(e['Request ID'])));
  const resize = events.find((e) => e.Action === 'resize')!;
  const detail = await cloud.osJson(DEMO, ['--os-compute-api-version', '2.51', 'server', 'event', 'show', vm.id, resize['Request ID']]);
  assert.match(JSON.stringify(detail.events), /compute_resize_instance.*Success/);
});

test('the legacy os-security-groups proxy at 2.1: create a group, add a rule, list, delete; gone at 2.36', async () => {
  const token = (await cloud.osJson(DEMO, ['token', 'issue'])).id as string;
  const api = (method: string, path: string, body?: unknown, version = '2.1') =>
    http(`${cloud.url}/compute/v2.1${path}`, method, { headers: { 'X-Auth-Token': token, 'OpenStack-API-Version': `compute ${version}` }, body });

  const created = await api('POST', '/os-security-groups', { security_group: { name: 'legacy', description: 'made through nova' } });
  assert.equal(created.status, 200, created.text);
  assert.match(created.headers.get('x-compute-request-id') ?? '', /^req-[0-9a-f-]{36}$/);
  const group = created.body.security_group;
  assert.deepEqual({ name: group.name, description: group.description, rules: group.rules }, { name: 'legacy', description: 'made through nova', rules: [] });

  const rule = await api('POST', '/os-security-group-rules', { security_group_rule: { parent_group_id: group.id, ip_protocol: 'tcp', from_port: 8080, to_port: 8081, cidr: '10.0.0.0/24' } });
  assert.equal(rule.status, 200, rule.text);
  assert.deepEqual(rule.body.security_group_rule, {
    id: rule.body.security_group_rule.id, parent_group_id: group.id, ip_protocol: 'tcp', from_port: 8080, to_port: 8081, ip_range: { cidr: '10.0.0.0/24' }, group: {},
  });
  const again = await api('POST', '/os-security-group-rules', { security_group_rule: { parent_group_id: group.id, ip_protocol: 'tcp', from_port: 8080, to_port: 8081, cidr: '10.0.0.0/24' } });
  assert.equal(again.status, 400);
  assert.equal(again.body.badRequest.message, `This rule already exists in group ${group.id}`);
  const badPorts = await api('POST', '/os-security-group-rules', { security_group_rule: { parent_group_id: group.id, ip_protocol: 'udp', from_port: 0, to_port: 70000 } });
  assert.equal(badPorts.body.badRequest.message, 'Invalid port range 0:70000. Valid UDP ports should be between 1-65535');

  const listed = await api('GET', '/os-security-groups');
  const names = listed.body.security_groups.map((g: { name: string }) => g.name);
  assert.ok(names.includes('legacy') && names.includes('ssh-icmp'), names.join(', '));
  const neutron = await cloud.osJson(DEMO, ['security', 'group', 'rule', 'list', group.id]);
  assert.ok(neutron.some((r: Record<string, unknown>) => r['Port Range'] === '8080:8081' && r['IP Range'] === '10.0.0.0/24'), JSON.stringify(neutron));

  assert.equal((await api('GET', '/os-security-groups', undefined, '2.36')).status, 404);
  assert.equal((await api('DELETE', `/os-security-group-rules/${rule.body.security_group_rule.id}`)).status, 202);
  assert.equal((await api('DELETE', `/os-security-groups/${group.id}`)).status, 202);
  const gone = await api('GET', `/os-security-groups/${group.id}`);
  assert.equal(gone.status, 404);
  assert.equal(gone.body.itemNotFound.message, `Security group ${group.id} does not exist`);
});
