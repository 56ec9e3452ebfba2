import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { access, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { InstanceSpec, VolumeDisk } from '../../../services/compute/driver.ts';
import { ensureTinyImage } from '../../../cli/guest-image.ts';
import { run } from './exec.ts';
import { InstanceFiles } from './files.ts';
import { findQemu } from './process.ts';
import { QemuComputeDriver } from './qemu-compute-driver.ts';
import { eventually, Lab } from './test-lab.ts';

/**
 * The driver against real QEMU (TCG where KVM does not boot guests) and the tiny guest image:
 * one guest lives through every operation in turn, a second boots from its snapshot.
 */
const TOOLS = ['qemu-system-x86_64', 'qemu-img', 'genisoimage', 'ip', 'dnsmasq', 'ssh', 'ssh-keygen', 'ping'];

async function skipReason(): Promise<string | false> {
  if (process.getuid?.() !== 0) return 'needs root for network namespaces and taps';
  const missing = [];
  for (const tool of TOOLS) if (!(await run('sh', ['-c', 'command -v "$0"', tool]).then(() => true, () => false))) missing.push(tool);
  return missing.length ? `missing commands: ${missing.join(', ')}` : false;
}

const silent = { info() {}, warn() {}, error() {} };
const IMAGE_CACHE = process.env.SOVCLOUD_CACHE_DIR ?? '/var/cache/sovcloud-test-images';
/** TCG boots the tiny image in 10-20 s here; a loaded CI host may take several times that. */
const BOOT_MS = 150_000;
const READY = 'sovcloud-guest: ready ip=';

/**
 * qemu-img times PBKDF by the thread's CPU clock, which a loaded sandbox may report too coarsely
 * ("Unable to get accurate CPU usage"); another try measures afresh.
 */
async function createLuks(path: string, passphrase: Buffer): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await run('qemu-img', ['create', '-q', '--object', `secret,id=s0,data=${passphrase}`, '-f', 'luks', '-o', 'key-secret=s0,iter-time=10', path, '32M']);
      return;
    } catch (err) {
      if (attempt === 5 || !/accurate CPU usage/.test(String(err))) throw err;
    }
  }
}

describe('QemuComputeDriver (live)', { skip: await skipReason() }, () => {
  let lab: Lab;
  let driver: QemuComputeDriver;
  let image: string;
  let instancesDir: string;
  let runDir: string;
  const id = randomUUID();
  const snapshotId = randomUUID();
  const guestIp = '10.99.0.10';
  const mac = 'fa:16:3e:12:34:56';
  let spec: InstanceSpec;

  function options() {
    return { instancesDir, runDir, log: silent };
  }

  async function configDrive(uuid: string, userData: string): Promise<Record<string, string>> {
    return {
      'openstack/latest/meta_data.json': JSON.stringify({ uuid, name: 'guest', hostname: `guest-${uuid.slice(0, 4)}`, public_keys: { test: await lab.publicKey() } }),
      'openstack/latest/user_data': userData,
    };
  }

  /** Waits until the console shows the guest's ready line `count` times (once per boot). */
  async function ready(instance: string, count: number): Promise<string> {
    const ok = await eventually(async () => (await driver.consoleLog(instance)).split(READY).length - 1 >= count, BOOT_MS);
    const console = await driver.consoleLog(instance);
    assert.ok(ok, `boot ${count} of ${instance} never got ready:\n${console.slice(-3000)}`);
    return console;
  }

  before(async () => {
    lab = await Lab.create();
    instancesDir = join(lab.dir, 'instances');
    runDir = join(lab.dir, 'run');
    driver = new QemuComputeDriver(options());
    image = (await ensureTinyImage(IMAGE_CACHE)).qcow2;
    lab.startDhcp({ [mac]: guestIp });
    spec = {
      id, name: 'guest', vcpus: 1, memoryMiB: 256,
      root: { kind: 'image', imageId: 'tiny', imagePath: image, imageFormat: 'qcow2', sizeGiB: 2 },
      volumes: [], nics: [lab.nic(randomUUID(), mac)],
      configDrive: await configDrive(id, '#!/bin/sh\necho "user-data-marker $(id -u)"\n'),
    };
  });

  after(async () => {
    for (const instance of [id, snapshotId]) await driver?.destroy(instance).catch(() => {});
    await lab?.cleanup();
  });

  it('reports the host and which accelerator boots guests', async () => {
    const info = await driver.hostInfo();
    assert.equal(info.hypervisorType, 'QEMU');
    assert.ok(info.hypervisorVersion >= 7_000_000, String(info.hypervisorVersion));
    assert.ok(info.accelerator === 'kvm' || info.accelerator === 'tcg');
    assert.ok(info.vcpus > 0 && info.memoryMiB > 0 && info.diskGiB > 0);
  });

  it('spawns a guest that boots, reads its config drive, runs its user data and gets its address', async (t) => {
    const started = Date.now();
    await driver.spawn(spec);
    assert.equal(await driver.powerState(id), 'running');
    const console = await ready(id, 1);
    t.diagnostic(`spawn to ready: ${Date.now() - started} ms (${(await driver.hostInfo()).accelerator})`);
    assert.match(console, /metadata from config drive/);
    assert.match(console, /user-data-marker 0/);
    assert.ok(console.includes(`${READY}${guestIp}`), console.slice(-2000));
    const files = new InstanceFiles(instancesDir, runDir, id);
    assert.match(await run('qemu-img', ['info', '-U', files.disk]), /virtual size: 2 GiB/);
    assert.ok(await lab.hasLink(spec.nics[0]!.device));
    // No user-mode network anywhere: the guest's only NIC is the tap.
    const argv = (await run('ps', ['-o', 'args=', '-p', String(await findQemu(files))])).trim();
    assert.doesNotMatch(argv, /-netdev user|-nic user|"type":"user"|slirp/);
  });

  it('answers ping and ssh on its network', async () => {
    assert.ok(await eventually(() => lab.ping(guestIp), 10_000));
    assert.equal((await lab.ssh(guestIp, 'hostname')).trim(), `guest-${id.slice(0, 4)}`);
  });

  it('serves its serial console to one client at a time; the console log records what the guest answers there', async () => {
    await assert.rejects(driver.connectSerial(randomUUID()), /is not running/);
    const logged = (await driver.consoleLog(id)).length;
    const serial = await driver.connectSerial(id);
    await assert.rejects(driver.connectSerial(id), /in use by another client/);
    let output = '';
    serial.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); });
    serial.write('\r');
    assert.ok(await eventually(async () => /login: $/.test(output), 30_000), JSON.stringify(output));
    serial.destroy();
    await once(serial, 'close');
    assert.match((await driver.consoleLog(id)).slice(logged), /login: $/);
    (await driver.connectSerial(id)).destroy();
  });

  it('pauses and unpauses', async () => {
    await driver.pause(id);
    assert.equal(await driver.powerState(id), 'paused');
    assert.equal(await lab.ping(guestIp), false);
    await driver.unpause(id);
    assert.equal(await driver.powerState(id), 'running');
    assert.ok(await eventually(() => lab.ping(guestIp), 10_000));
  });

  it('hot-plugs a volume the guest sees with its serial, and unplugs it', async () => {
    const path = join(lab.dir, 'volume.raw');
    await run('qemu-img', ['create', '-q', '-f', 'raw', path, '64M']);
    const volumeId = randomUUID();
    const disk: VolumeDisk = { volumeId, path, format: 'raw', serial: volumeId, deviceName: 'vdc' };
    const serials = async () => lab.ssh(guestIp, 'for d in /sys/block/vd*; do echo "${d##*/} $(cat $d/serial 2>/dev/null) $(cat $d/size)"; done');
    await driver.attachVolume(id, disk);
    await driver.attachVolume(id, disk); // a retry changes nothing
    assert.ok(await eventually(async () => (await serials()).includes(`${volumeId.slice(0, 20)} 131072`), 60_000), await serials());
    await driver.detachVolume(id, volumeId);
    assert.ok(!(await serials()).includes(volumeId.slice(0, 20)));
    await driver.detachVolume(id, volumeId); // already gone
  });

  it('hot-plugs a second NIC on a tap of its own, and unplugs it', async () => {
    const nic = lab.nic(randomUUID(), 'fa:16:3e:00:00:99');
    const macs = () => lab.ssh(guestIp, 'cat /sys/class/net/*/address');
    await driver.attachInterface(id, nic);
    assert.ok(await lab.hasLink(nic.device));
    assert.ok(await eventually(async () => (await macs()).includes(nic.mac), 60_000));
    await driver.detachInterface(id, nic.portId);
    assert.ok(!(await macs()).includes(nic.mac));
    assert.equal(await lab.hasLink(nic.device), false);
    await assert.rejects(driver.attachInterface(id, { ...nic, namespace: 'elsewhere' }), /cannot use a NIC in elsewhere/);
  });

  it('is found and controlled by a new driver after the service restarts', async () => {
    driver = new QemuComputeDriver(options());
    assert.deepEqual(await driver.inventory(), [id]);
    assert.equal(await driver.powerState(id), 'running');
  });

  it('keeps what the guest wrote across power off (ACPI) and on, and plugs volumes attached meanwhile', async () => {
    await lab.ssh(guestIp, 'echo kept > marker && sync');
    await driver.powerOff(id, 60);
    assert.equal(await driver.powerState(id), 'shutdown');
    const files = new InstanceFiles(instancesDir, runDir, id);
    assert.equal(await findQemu(files), null);
    await driver.powerOff(id, 60); // already off
    // An encrypted volume attached while stopped arrives with the next power-on.
    const passphrase = Buffer.from('not on any command line');
    const path = join(lab.dir, 'encrypted.luks');
    await createLuks(path, passphrase);
    const volumeId = randomUUID();
    const disk: VolumeDisk = { volumeId, path, format: 'luks', passphrase, serial: volumeId, deviceName: 'vdb' };
    await driver.attachVolume(id, disk);
    spec = { ...spec, volumes: [disk] };
    await driver.powerOn(spec);
    const argv = (await run('ps', ['-o', 'args=', '-p', String(await findQemu(files))])).trim();
    assert.ok(!argv.includes(passphrase.toString()) && !argv.includes(passphrase.toString('base64')));
    assert.deepEqual((await readdir(runDir)).filter((f) => f.endsWith('.key')), []);
    const console = await ready(id, 2);
    assert.equal(console.split('user-data-marker').length - 1, 1, 'user data runs on the first boot only');
    assert.equal((await lab.ssh(guestIp, 'cat marker')).trim(), 'kept');
    assert.match(await lab.ssh(guestIp, 'cat /sys/block/vd*/serial'), new RegExp(volumeId.slice(0, 20)));
  });

  it('suspends to a file and resumes the same running guest', async () => {
    await lab.ssh(guestIp, 'echo in-memory > /run/user-note 2>/dev/null || echo in-memory > /tmp/note');
    const note = (await lab.ssh(guestIp, 'cat /run/user-note 2>/dev/null || cat /tmp/note')).trim();
    await driver.suspend(id);
    assert.equal(await driver.powerState(id), 'suspended');
    const files = new InstanceFiles(instancesDir, runDir, id);
    assert.equal(await findQemu(files), null);
    await driver.resume(spec);
    assert.equal(await driver.powerState(id), 'running');
    await assert.rejects(access(files.memory));
    // The tmpfs file survived: the guest was restored, not booted.
    assert.equal((await lab.ssh(guestIp, 'cat /run/user-note 2>/dev/null || cat /tmp/note')).trim(), note);
    assert.equal((await driver.consoleLog(id)).split(READY).length - 1, 2);
  });

  it('reboots softly through the guest (a new process), and hard by reset (the same one)', async (t) => {
    const files = new InstanceFiles(instancesDir, runDir, id);
    const before = await findQemu(files);
    let started = Date.now();
    await driver.reboot(spec, false);
    t.diagnostic(`soft reboot: guest shut down and started again in ${Date.now() - started} ms`);
    const afterSoft = await findQemu(files);
    assert.ok(afterSoft !== null && afterSoft !== before);
    await ready(id, 3);
    t.diagnostic(`soft reboot to ready: ${Date.now() - started} ms`);
    started = Date.now();
    await driver.reboot(spec, true);
    assert.equal(await findQemu(files), afterSoft);
    await ready(id, 4);
    t.diagnostic(`hard reboot to ready: ${Date.now() - started} ms`);
    assert.equal((await lab.ssh(guestIp, 'cat marker')).trim(), 'kept');
  });

  it('snapshots the running guest into a standalone qcow2 that boots', async () => {
    const target = join(lab.dir, 'snapshot.qcow2');
    await driver.snapshot(id, target);
    assert.equal(await driver.powerState(id), 'running');
    const info = JSON.parse(await run('qemu-img', ['info', '--output=json', target])) as Record<string, unknown>;
    assert.equal(info.format, 'qcow2');
    assert.equal(info['backing-filename'], undefined);
    await driver.spawn({
      ...spec, id: snapshotId, nics: [], volumes: [], root: { kind: 'image', imageId: 'snap', imagePath: target, imageFormat: 'qcow2', sizeGiB: 1 },
      configDrive: await configDrive(snapshotId, '#!/bin/sh\necho snapshot-boot\n'),
    });
    const console = await ready(snapshotId, 1);
    assert.match(console, /snapshot-boot/);
    await driver.destroy(snapshotId);
  });

  it('destroys everything of the instance, and destroying again succeeds', async () => {
    const files = new InstanceFiles(instancesDir, runDir, id);
    const pid = await findQemu(files);
    await driver.destroy(id);
    assert.equal(await driver.powerState(id), 'nostate');
    assert.equal(await lab.hasLink(spec.nics[0]!.device), false);
    assert.ok(pid !== null && (await eventually(async () => (await run('ps', ['-o', 'stat=', '-p', String(pid)]).catch(() => 'Z')).includes('Z'), 5000)));
    assert.deepEqual(await driver.inventory(), []);
    assert.deepEqual(await readdir(instancesDir), []);
    assert.deepEqual(await readdir(runDir), []);
    assert.equal(await driver.consoleLog(id), '');
    // Volumes belong to block storage: they stay.
    await access(spec.volumes[0]!.path);
    await driver.destroy(id);
  });
});
