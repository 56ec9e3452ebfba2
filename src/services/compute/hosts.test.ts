import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { projectContext } from '../../platform/auth.ts';
import type { Db } from '../../platform/db/index.ts';
import { addInstance, computeDeps, fails } from './test-kit.ts';
import type { ComputeDriver, HostInfo } from './driver.ts';
import { Hosts, nameUuid, uptimeLine } from './hosts.ts';

let db: Db;
let hosts: Hosts;
let probes = 0;
const admin = projectContext('p-admin', ['admin', 'member', 'reader']);
const member = projectContext('p-1', ['member', 'reader']);
const info: HostInfo = {
  hostname: 'node1', hypervisorType: 'QEMU', hypervisorVersion: 7002022, accelerator: 'tcg', vcpus: 8, memoryMiB: 16000, diskGiB: 200, cpuModel: 'AMD EPYC 7B13',
};



before(async () => {
  const d = await computeDeps();
  db = d.db;
  // Only the probe is used here; every other driver call would be a defect.
  const driver = { hostInfo: async () => { probes++; return info; } } as unknown as ComputeDriver;
  hosts = new Hosts(d, driver);
  await hosts.start();
});
after(async () => {
  await db.destroy();
});

test('the host is probed once; its hypervisor UUID is derived from the hostname', async () => {
  await hosts.hypervisors(admin, 'list');
  await hosts.hypervisors(admin, 'show');
  assert.equal(probes, 1);
  assert.equal(hosts.node.uuid, nameUuid('node1'));
  assert.match(hosts.node.uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.notEqual(nameUuid('node2'), hosts.node.uuid);
});

test('the hypervisor counts the servers placed on this host and shows the accelerator in cpu_info', async () => {
  const a = await addInstance(db, { host: 'node1', vcpus: 2, ram: 4096, disk: 20 });
  await addInstance(db, { host: 'node1', vcpus: 1, ram: 1024, disk: 0, taskState: 'spawning' });
  await addInstance(db, { host: 'elsewhere', vcpus: 16, ram: 1024, disk: 0 });
  const [h] = await hosts.hypervisors(admin, 'list-detail');
  assert.ok(h);
  assert.deepEqual(
    { id: h.id, uuid: h.uuid, name: h.hypervisor_hostname, type: h.hypervisor_type, version: h.hypervisor_version, state: h.state, status: h.status },
    { id: 1, uuid: nameUuid('node1'), name: 'node1', type: 'QEMU', version: 7002022, state: 'up', status: 'enabled' },
  );
  assert.deepEqual(
    [h.vcpus, h.vcpus_used, h.memory_mb, h.memory_mb_used, h.free_ram_mb, h.local_gb, h.local_gb_used, h.running_vms, h.current_workload],
    [8, 3, 16000, 5120, 10880, 200, 20, 2, 1],
  );
  assert.equal(h.cpu_info.accelerator, 'tcg');
  assert.equal(h.cpu_info.vendor, 'AMD');
  assert.ok(h.servers.some((s) => s.uuid === a));
  await assert.rejects(hosts.hypervisors(member, 'list'), fails(403));
});

test('services: conductor and scheduler in `internal`, compute in `nova`; only nova-compute can be disabled', async () => {
  const list = await hosts.services(admin);
  assert.deepEqual(list.map((s) => [s.binary, s.host, s.zone, s.state, s.status]), [
    ['nova-conductor', 'node1', 'internal', 'up', 'enabled'],
    ['nova-scheduler', 'node1', 'internal', 'up', 'enabled'],
    ['nova-compute', 'node1', 'nova', 'up', 'enabled'],
  ]);
  assert.deepEqual((await hosts.services(admin, { binary: 'nova-compute' })).length, 1);
  await assert.rejects(hosts.services(member), fails(403));
  const [conductor, , compute] = list;
  await assert.rejects(hosts.updateService(admin, conductor!.uuid, { status: 'disabled' }),
    fails(400, /^Updating a nova-conductor service is not supported\. Only nova-compute services can be updated\.$/));
  await assert.rejects(hosts.updateService(admin, compute!.uuid, { status: 'enabled', disabled_reason: 'x' }), fails(400, /with status 'enabled' is invalid/));
  await assert.rejects(hosts.updateService(admin, compute!.uuid, { disabled_reason: 'x' }), fails(400, /^No updates were requested/));
  await assert.rejects(hosts.updateService(admin, randomUUID(), { status: 'disabled' }), fails(404, /could not be found/));

  const disabled = await hosts.updateService(admin, compute!.uuid, { status: 'disabled', disabled_reason: 'maintenance' });
  assert.deepEqual([disabled.status, disabled.disabled_reason, disabled.state], ['disabled', 'maintenance', 'up']);
  assert.equal(await hosts.computeEnabled(), false);
  assert.equal((await hosts.hypervisors(admin, 'show'))[0]!.status, 'disabled');
  assert.deepEqual(await hosts.availabilityZones(member, false), [{ zoneName: 'nova', zoneState: { available: false }, hosts: null }]);

  const enabled = await hosts.updateService(admin, compute!.uuid, { status: 'enabled' });
  assert.deepEqual([enabled.status, enabled.disabled_reason], ['enabled', null]);
  const down = await hosts.updateService(admin, compute!.uuid, { forced_down: true });
  assert.deepEqual([down.state, down.forced_down], ['down', true]);
  assert.equal(await hosts.computeEnabled(), false);
  await hosts.updateService(admin, compute!.uuid, { forced_down: false });
  assert.equal(await hosts.computeEnabled(), true);
});

test('availability zones: `nova` for everyone, the internal zone and services for admins', async () => {
  assert.deepEqual(await hosts.availabilityZones(member, false), [{ zoneName: 'nova', zoneState: { available: true }, hosts: null }]);
  await assert.rejects(hosts.availabilityZones(member, true), fails(403));
  const detail = await hosts.availabilityZones(admin, true);
  assert.deepEqual(detail.map((z) => z.zoneName), ['internal', 'nova']);
  assert.deepEqual(Object.keys(detail[0]!.hosts!.node1!), ['nova-conductor', 'nova-scheduler']);
  assert.deepEqual(Object.keys(detail[1]!.hosts!.node1!), ['nova-compute']);
  assert.equal(detail[1]!.hosts!.node1!['nova-compute']!.active, true);
});

test('uptime reads like the uptime command, which clients parse', () => {
  const at = new Date(2026, 0, 2, 17, 37, 14);
  const re = /\s*(.+)\sup\s+(.+),\s+(.+)\susers?,\s+load average:\s(.+)/;
  const line = uptimeLine(at, 2 * 86400 + 2 * 3600 + 33 * 60, [0.33, 0.36, 0.34]);
  assert.equal(line, ' 17:37:14 up 2 days,  2:33,  0 users,  load average: 0.33, 0.36, 0.34');
  assert.deepEqual(re.exec(line)!.slice(1), ['17:37:14', '2 days,  2:33', '0', '0.33, 0.36, 0.34']);
  assert.equal(uptimeLine(at, 5 * 60, [0, 0, 0]), ' 17:37:14 up 5 min,  0 users,  load average: 0.00, 0.00, 0.00');
});
