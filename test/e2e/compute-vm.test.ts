import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './guest.ts';
import { eventually as waitUntil, ssh as sshTo } from './vm.ts';
import { startCloud, type Cloud } from './harness.ts';

// Real VMs (QEMU, TCG when KVM does not boot guests here) of the tiny image, driven with Debian's
// `openstack` CLI in the `demo` project and its ready network. Boots are the expensive part, so
// the cases share three servers: vm1 (image), vm2 (from vm1's snapshot), vm3 (from a volume).

let cloud: Cloud;
let keyFile = '';
const state: { vm1?: string; fip1?: string; vm2?: string; fip2?: string; volume?: string; snapshot?: string } = {};
const BOOT_TIMEOUT_MS = 240_000;

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`needs ${what} from an earlier case, which failed`);
  return value;
}

const eventually = <T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = BOOT_TIMEOUT_MS) => waitUntil(what, probe, timeoutMs);
const ssh = (ip: string, command: string) => sshTo(keyFile, ip, command);

async function sshReady(ip: string): Promise<void> {
  await eventually(`ssh to ${ip}`, async () => (await ssh(ip, 'true')).code === 0);
}

async function status(id: string): Promise<string> {
  return (await cloud.osJson('sovcloud-demo', ['server', 'show', id])).status as string;
}

async function waitStatus(id: string, want: string): Promise<void> {
  await eventually(`server ${id} to be ${want}`, async () => {
    const s = await status(id);
    assert.ok(s !== 'ERROR' || want === 'ERROR', `server ${id} went to ERROR: ${JSON.stringify((await cloud.osJson('sovcloud-demo', ['server', 'show', id])).fault)}`);
    return s === want;
  });
}

async function withFloatingIp(server: string): Promise<string> {
  const fip = await cloud.osJson('sovcloud-demo', ['floating', 'ip', 'create', 'public']);
  const r = await cloud.os('sovcloud-demo', ['server', 'add', 'floating', 'ip', server, fip.floating_ip_address]);
  assert.equal(r.code, 0, r.stderr);
  return fip.floating_ip_address as string;
}

before(async () => {
  cloud = await startCloud();
  const dir = await mkdtemp(join(tmpdir(), 'sovcloud-vm-'));
  keyFile = join(dir, 'key');
  const created = await cloud.os('sovcloud-demo', ['keypair', 'create', 'k1']);
  assert.equal(created.code, 0, created.stderr);
  await writeFile(keyFile, created.stdout);
  await chmod(keyFile, 0o600);
});

after(async () => {
  await cloud?.stop();
});

test('boot the tiny image in demo with ssh-icmp, reach it over a floating IP with the generated key; user data ran; console log', async () => {
  const userData = join(tmpdir(), `ud-${process.pid}.sh`);
  await writeFile(userData, '#!/bin/sh\necho user-data-was-here > /var/user-data-marker\n');
  const vm = await cloud.osJson('sovcloud-demo', ['server', 'create', '--image', 'sovcloud-tiny', '--flavor', 'SCS-1L-1', '--network', 'default-network',
    '--security-group', 'ssh-icmp', '--key-name', 'k1', '--user-data', userData, 'vm1']);
  state.vm1 = vm.id;
  await waitStatus(vm.id, 'ACTIVE');
  state.fip1 = await withFloatingIp(vm.id);
  await sshReady(state.fip1);
  const hello = await ssh(state.fip1, 'uname -s; cat /var/user-data-marker; hostname');
  assert.equal(hello.code, 0, hello.stderr);
  assert.match(hello.stdout, /^Linux\nuser-data-was-here\nvm1\n$/);
  const log = await cloud.os('sovcloud-demo', ['console', 'log', 'show', vm.id]);
  assert.match(log.stdout, /sovcloud-guest: ready/);
  const shown = await cloud.osJson('sovcloud-demo', ['server', 'show', vm.id]);
  // Nova's power_state 1 is RUNNING (OSC's table output spells it `Running`).
  assert.equal(shown['OS-EXT-STS:power_state'], 1);
  assert.match(JSON.stringify(shown.flavor), /SCS-1L-1/);
});

test('stop/start keeps the disk; createImage and boot another server from the snapshot', async () => {
  const vm1 = need(state.vm1, 'vm1');
  const fip1 = need(state.fip1, 'a floating IP of vm1');
  assert.equal((await ssh(fip1, 'echo persisted > /home/sovcloud/marker && sync')).code, 0);
  await cloud.os('sovcloud-demo', ['server', 'stop', vm1]);
  await waitStatus(vm1, 'SHUTOFF');
  await cloud.os('sovcloud-demo', ['server', 'start', vm1]);
  await waitStatus(vm1, 'ACTIVE');
  await sshReady(fip1);
  assert.equal((await ssh(fip1, 'cat /home/sovcloud/marker')).stdout, 'persisted\n');

  const image = await cloud.osJson('sovcloud-demo', ['server', 'image', 'create', '--name', 'vm1-snap', '--wait', vm1]);
  state.snapshot = image.id;
  const vm2 = await cloud.osJson('sovcloud-demo', ['server', 'create', '--image', image.id, '--flavor', 'SCS-1L-1', '--network', 'default-network',
    '--security-group', 'ssh-icmp', '--key-name', 'k1', 'vm2']);
  state.vm2 = vm2.id;
  await waitStatus(vm2.id, 'ACTIVE');
  state.fip2 = await withFloatingIp(vm2.id);
  await sshReady(state.fip2);
  assert.equal((await ssh(state.fip2, 'cat /home/sovcloud/marker')).stdout, 'persisted\n');
});

test('a volume written in one VM is read back in another', async () => {
  const [vm1, fip1, vm2, fip2] = [need(state.vm1, 'vm1'), need(state.fip1, 'vm1 fip'), need(state.vm2, 'vm2'), need(state.fip2, 'vm2 fip')];
  const vol = await cloud.osJson('sovcloud-demo', ['volume', 'create', '--size', '1', 'shared-data']);
  state.volume = vol.id;
  await eventually('volume available', async () => (await cloud.osJson('sovcloud-demo', ['volume', 'show', vol.id])).status === 'available', 60_000);
  assert.equal((await cloud.os('sovcloud-demo', ['server', 'add', 'volume', vm1, vol.id])).code, 0);
  await eventually('vm1 sees /dev/vdb', async () => (await ssh(fip1, 'test -b /dev/vdb')).code === 0, 60_000);
  assert.equal((await ssh(fip1, 'echo written-in-vm1 | doas dd of=/dev/vdb bs=512 count=1 conv=sync 2>/dev/null && sync')).code, 0);
  assert.equal((await cloud.os('sovcloud-demo', ['server', 'remove', 'volume', vm1, vol.id])).code, 0);
  await eventually('volume detached', async () => (await cloud.osJson('sovcloud-demo', ['volume', 'show', vol.id])).status === 'available', 60_000);
  assert.equal((await cloud.os('sovcloud-demo', ['server', 'add', 'volume', vm2, vol.id])).code, 0);
  await eventually('vm2 sees /dev/vdb', async () => (await ssh(fip2, 'test -b /dev/vdb')).code === 0, 60_000);
  const read = await ssh(fip2, 'doas head -c 14 /dev/vdb');
  assert.equal(read.stdout, 'written-in-vm1');
});

test('quotas stop a build with the Nova error', async () => {
  const adminToken = (await cloud.osJson('sovcloud-admin', ['token', 'issue'])).id;
  const demo = (await cloud.osJson('sovcloud-admin', ['project', 'show', 'demo'])).id;
  const r = await fetch(`${cloud.url}/compute/v2.1/os-quota-sets/${demo}`, { method: 'PUT', headers: { 'X-Auth-Token': adminToken, 'Content-Type': 'application/json' }, body: JSON.stringify({ quota_set: { instances: 2 } }) });
  assert.equal(r.status, 200, await r.text());
  const err = await cloud.osFail('sovcloud-demo', ['server', 'create', '--image', 'sovcloud-tiny', '--flavor', 'SCS-1L-1', '--network', 'default-network', 'vm-too-many']);
  assert.match(err, /Quota exceeded for instances/);
  await fetch(`${cloud.url}/compute/v2.1/os-quota-sets/${demo}`, { method: 'DELETE', headers: { 'X-Auth-Token': adminToken } });
});

test('placement never overcommits: a server bigger than the host goes to ERROR with NoValidHost and releases its claim', async () => {
  // From 2.53 a hypervisor's id is its UUID, which is also its placement provider's.
  const hv = await cloud.osJson<{ ID: string }[]>('sovcloud-admin', ['--os-compute-api-version', '2.53', 'hypervisor', 'list']);
  const host = await cloud.osJson('sovcloud-admin', ['--os-compute-api-version', '2.53', 'hypervisor', 'show', hv[0]!.ID]);
  const ram = Number(host.memory_mb) * 2;
  await cloud.osJson('sovcloud-admin', ['flavor', 'create', '--ram', String(ram), '--vcpus', '1', '--disk', '1', 'too-big']);
  const adminToken = (await cloud.osJson('sovcloud-admin', ['token', 'issue'])).id;
  const demo = (await cloud.osJson('sovcloud-admin', ['project', 'show', 'demo'])).id;
  await fetch(`${cloud.url}/compute/v2.1/os-quota-sets/${demo}`, { method: 'PUT', headers: { 'X-Auth-Token': adminToken, 'Content-Type': 'application/json' }, body: JSON.stringify({ quota_set: { ram: -1 } }) });
  const usage = async () => (await fetch(`${cloud.url}/placement/resource_providers/${host.id}/usages`, { headers: { 'X-Auth-Token': adminToken, 'OpenStack-API-Version': 'placement 1.29' } }).then((r) => r.json())).usages;
  const before = await usage();
  const vm = await cloud.osJson('sovcloud-demo', ['server', 'create', '--image', 'sovcloud-tiny', '--flavor', 'too-big', '--network', 'default-network', 'vm-too-big']);
  await waitStatus(vm.id, 'ERROR');
  const shown = await cloud.osJson('sovcloud-demo', ['server', 'show', vm.id]);
  assert.match(JSON.stringify(shown.fault), /No valid host was found/);
  assert.deepEqual(await usage(), before);
  assert.equal((await cloud.os('sovcloud-demo', ['server', 'delete', '--wait', vm.id])).code, 0);
  await fetch(`${cloud.url}/compute/v2.1/os-quota-sets/${demo}`, { method: 'DELETE', headers: { 'X-Auth-Token': adminToken } });
});

test('boot from volume; a crash while it builds leaves every server in a truthful state; deleting leaves no process, tap or disk', async () => {
  const vm3 = await cloud.osJson('sovcloud-demo', ['server', 'create', '--image', 'sovcloud-tiny', '--boot-from-volume', '1', '--flavor', 'SCS-1L-1',
    '--network', 'default-network', '--security-group', 'ssh-icmp', '--key-name', 'k1', 'vm3']);
  await cloud.crash();
  await cloud.restart();
  await waitStatus(vm3.id, 'ACTIVE');
  const fip3 = await withFloatingIp(vm3.id);
  await sshReady(fip3);
  const shown = await cloud.osJson('sovcloud-demo', ['server', 'show', vm3.id]);
  assert.equal(shown.image, 'N/A (booted from volume)');
  // vm1 kept running through the crash.
  await sshReady(need(state.fip1, 'vm1 fip'));
  for (const id of [vm3.id, need(state.vm1, 'vm1'), need(state.vm2, 'vm2')]) assert.equal((await cloud.os('sovcloud-demo', ['server', 'delete', '--wait', id])).code, 0);
  const qemu = (await run('ps', ['-eo', 'args'])).stdout.split('\n').filter((l) => l.includes('qemu-system') && l.includes(cloud.stateDir));
  assert.deepEqual(qemu, []);
  const left = (await run('find', [join(cloud.stateDir, 'instances'), '-mindepth', '1'])).stdout.trim();
  assert.equal(left, '');
});
