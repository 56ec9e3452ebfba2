import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ComputeBackendError, type InstanceSpec, type Nic, type VolumeDisk } from '../../../services/compute/driver.ts';
import { commandLine, type CommandLineInput, instanceNamespace, slottedDevices } from './command-line.ts';
import { assignSlots, nicIds, volumeIds } from './devices.ts';
import { InstanceFiles } from './files.ts';

const ID = '8d4e1c2a-0b7f-4c1e-9a55-3f0e2d1c4b6a';
const files = new InstanceFiles('/var/lib/sovcloud/instances', '/run/sovcloud/t1/compute', ID);

function nic(n: number, namespace = 'sc-int'): Nic {
  return { portId: `port-${n}`, mac: `fa:16:3e:00:00:0${n}`, mtu: 1450, namespace, bridge: 'brq123', device: `tap${n}` };
}

function volume(n: number, extra: Partial<VolumeDisk> = {}): VolumeDisk {
  return { volumeId: `vol-${n}-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee`, path: `/var/lib/sovcloud/volumes/v${n}`, format: 'raw', serial: `vol-${n}-aaaaaaaa-bbbb-cccc`, deviceName: `vd${'bcd'[n - 1]}`, ...extra };
}

function spec(extra: Partial<InstanceSpec> = {}): InstanceSpec {
  return {
    id: ID, name: 'web-1', vcpus: 2, memoryMiB: 256,
    root: { kind: 'image', imageId: 'img', imagePath: '/var/lib/sovcloud/images/img', imageFormat: 'qcow2', sizeGiB: 1 },
    volumes: [], nics: [], configDrive: null, ...extra,
  };
}

function build(s: InstanceSpec, extra: Partial<CommandLineInput> = {}) {
  return commandLine({ spec: s, files, accelerator: 'tcg', slots: assignSlots({}, slottedDevices(s)), incoming: false, ...extra });
}

/** The parsed JSON values of every `flag` in argv. */
function values(argv: string[], flag: string): Record<string, unknown>[] {
  return argv.flatMap((a, i) => (i > 0 && argv[i - 1] === flag && a.startsWith('{') ? [JSON.parse(a) as Record<string, unknown>] : []));
}

function after(argv: string[], flag: string): string[] {
  return argv.flatMap((a, i) => (i > 0 && argv[i - 1] === flag ? [a] : []));
}

describe('QEMU command line', () => {
  it('never uses user-mode networking and starts without default devices', () => {
    const { argv } = build(spec({ nics: [nic(1), nic(2)] }));
    assert.ok(argv.includes('-nodefaults'));
    assert.ok(!argv.some((a) => /"user"|^user\b|slirp|hostfwd/.test(a)), argv.join(' '));
    assert.ok(!argv.includes('-nic') && !argv.includes('-net'));
    assert.deepEqual(values(argv, '-netdev').map((n) => n.type), ['tap', 'tap']);
  });

  it('uses TCG with a thread per vCPU, or KVM with the host CPU', () => {
    const tcg = build(spec()).argv;
    assert.deepEqual(after(tcg, '-accel'), ['tcg,thread=multi']);
    assert.deepEqual(after(tcg, '-cpu'), ['max']);
    const kvm = build(spec(), { accelerator: 'kvm' }).argv;
    assert.deepEqual(after(kvm, '-accel'), ['kvm']);
    assert.deepEqual(after(kvm, '-cpu'), ['host']);
  });

  it('sizes the guest, names it by id and daemonizes with pid file, QMP socket and a serial socket logged to the appended console log', () => {
    const { argv } = build(spec());
    assert.equal(argv[0], 'qemu-system-x86_64');
    assert.deepEqual(after(argv, '-smp'), ['2']);
    assert.deepEqual(after(argv, '-m'), ['256M']);
    assert.deepEqual(after(argv, '-uuid'), [ID]);
    assert.deepEqual(after(argv, '-machine'), ['pc']);
    assert.ok(argv.includes('-daemonize'));
    assert.deepEqual(after(argv, '-pidfile'), [files.pidFile]);
    assert.equal(files.serialSocket, `/run/sovcloud/t1/compute/${ID}.serial`);
    assert.ok(after(argv, '-chardev').includes(`socket,id=console,path=${files.serialSocket},server=on,wait=off,logfile=${files.consoleLog},logappend=on`));
    assert.ok(after(argv, '-chardev').includes(`socket,id=qmp,path=${files.qmpSocket},server=on,wait=off`));
    assert.deepEqual(after(argv, '-serial'), ['chardev:console']);
    assert.ok(!argv.includes('-no-reboot') && !argv.includes('-no-shutdown'));
    assert.ok(!argv.includes('-S'));
  });

  it('boots an image-backed instance from its qcow2 overlay at the first disk slot', () => {
    const { argv, namespace, secrets } = build(spec());
    assert.deepEqual(values(argv, '-blockdev'), [{ driver: 'qcow2', 'node-name': 'root', 'read-only': false, file: { driver: 'file', filename: files.disk, 'read-only': false } }]);
    const [root] = values(argv, '-device').filter((d) => d.driver === 'virtio-blk-pci');
    assert.deepEqual(root, { driver: 'virtio-blk-pci', id: 'root', drive: 'root', addr: '0x2', bootindex: 0 });
    assert.equal(namespace, null);
    assert.deepEqual(secrets, []);
  });

  it('attaches volumes with their serial (20 characters) in the slots given', () => {
    const s = spec({ volumes: [volume(2), volume(1, { format: 'qcow2' })] });
    const slots = { [volumeIds(volume(1).volumeId).device]: 9, [volumeIds(volume(2).volumeId).device]: 4 };
    const { argv } = build(s, { slots });
    const disks = values(argv, '-device').filter((d) => d.driver === 'virtio-blk-pci' && d.id !== 'root');
    assert.deepEqual(disks.map((d) => [d.id, d.addr, d.serial]), [
      [`vol-${volume(2).volumeId}`, '0x4', 'vol-2-aaaaaaaa-bbbb-'],
      [`vol-${volume(1).volumeId}`, '0x9', 'vol-1-aaaaaaaa-bbbb-'],
    ]);
    const formats = values(argv, '-blockdev').map((b) => [b.driver, (b.file as { filename: string }).filename]);
    assert.deepEqual(formats.slice(1), [['raw', volume(2).path], ['qcow2', volume(1).path]]);
    for (const b of values(argv, '-blockdev')) assert.ok(String(b['node-name']).length <= 31);
  });

  it('opens LUKS volumes with secrets read from files, never from the command line', () => {
    const passphrase = Buffer.from('correct horse battery staple');
    const s = spec({
      root: { kind: 'volume', ...volume(1, { format: 'luks', passphrase }) },
      volumes: [volume(2, { format: 'luks', passphrase: Buffer.from('second secret') })],
    });
    const { argv, secrets } = build(s);
    const text = argv.join(' ');
    for (const p of [passphrase, Buffer.from('second secret')]) {
      assert.ok(!text.includes(p.toString('utf8')) && !text.includes(p.toString('base64')) && !text.includes(p.toString('hex')));
    }
    assert.deepEqual(secrets.map((x) => x.data.toString()), ['correct horse battery staple', 'second secret']);
    const objects = values(argv, '-object');
    assert.deepEqual(objects.map((o) => [o['qom-type'], o.file, o.format]), secrets.map((x) => ['secret', x.path, 'raw']));
    const luks = values(argv, '-blockdev').filter((b) => b.driver === 'luks');
    assert.deepEqual(luks.map((b) => b['key-secret']), objects.map((o) => o.id));
    const [root] = values(argv, '-device').filter((d) => d.id === 'root');
    assert.equal(root?.bootindex, 0);
    assert.equal(root?.serial, 'vol-1-aaaaaaaa-bbbb-');
  });

  it('refuses an encrypted volume without its passphrase', () => {
    assert.throws(() => build(spec({ volumes: [volume(1, { format: 'luks' })] })), ComputeBackendError);
    assert.throws(() => build(spec({ volumes: [volume(1, { format: 'vmdk' })] })), /not one of raw, qcow2, luks/);
  });

  it('plugs each NIC as a tap in its namespace with its MAC and MTU, in spec order', () => {
    const s = spec({ nics: [nic(1), nic(2)], volumes: [volume(1)] });
    const { argv, namespace } = build(s);
    assert.equal(namespace, 'sc-int');
    assert.deepEqual(values(argv, '-netdev'), [
      { type: 'tap', id: 'net-port-1', ifname: 'tap1', script: 'no', downscript: 'no' },
      { type: 'tap', id: 'net-port-2', ifname: 'tap2', script: 'no', downscript: 'no' },
    ]);
    const nics = values(argv, '-device').filter((d) => d.driver === 'virtio-net-pci');
    assert.deepEqual(nics, [
      { driver: 'virtio-net-pci', id: 'nic-port-1', netdev: 'net-port-1', mac: 'fa:16:3e:00:00:01', host_mtu: 1450, addr: '0x4' },
      { driver: 'virtio-net-pci', id: 'nic-port-2', netdev: 'net-port-2', mac: 'fa:16:3e:00:00:02', host_mtu: 1450, addr: '0x5' },
    ]);
    assert.equal(values(argv, '-device').find((d) => d.id === `vol-${volume(1).volumeId}`)?.addr, '0x6');
  });

  it('refuses NICs in two namespaces: one process opens taps in one', () => {
    assert.throws(() => instanceNamespace(spec({ nics: [nic(1, 'a'), nic(2, 'b')] })), /several network namespaces/);
  });

  it('attaches the config drive read-only at the last slot, after every volume', () => {
    const { argv } = build(spec({ configDrive: { 'openstack/latest/meta_data.json': '{}' } }));
    assert.deepEqual(values(argv, '-blockdev').at(-1), { driver: 'raw', 'node-name': 'config-drive', 'read-only': true, file: { driver: 'file', filename: files.configDrive, 'read-only': true } });
    assert.deepEqual(values(argv, '-device').at(-1), { driver: 'virtio-blk-pci', id: 'config-drive', drive: 'config-drive', addr: '0x1f' });
  });

  it('waits paused for saved memory when restoring', () => {
    const { argv } = build(spec(), { incoming: true });
    assert.deepEqual(argv.slice(-3), ['-S', '-incoming', 'defer']);
  });

  it('doubles commas in file names inside key=value options', () => {
    const odd = new InstanceFiles('/srv/a,b', '/run/c,d', ID);
    const { argv } = commandLine({ spec: spec(), files: odd, accelerator: 'tcg', slots: {}, incoming: false });
    assert.ok(after(argv, '-chardev').includes(`socket,id=console,path=/run/c,,d/${ID}.serial,server=on,wait=off,logfile=/srv/a,,b/${ID}/console.log,logappend=on`));
    assert.ok(after(argv, '-chardev').includes(`socket,id=qmp,path=/run/c,,d/${ID}.qmp,server=on,wait=off`));
  });

  it('refuses nonsensical sizes', () => {
    assert.throws(() => build(spec({ vcpus: 0 })), /vCPU/);
    assert.throws(() => build(spec({ memoryMiB: 1 })), /memory/);
  });
});

describe('PCI slots', () => {
  it('keeps the slots devices had and gives new ones the lowest free', () => {
    assert.deepEqual(assignSlots({}, ['a', 'b']), { a: 4, b: 5 });
    assert.deepEqual(assignSlots({ a: 4, b: 5, c: 6 }, ['c', 'd', 'a']), { c: 6, a: 4, d: 5 });
  });

  it('ignores remembered slots outside the range or taken twice', () => {
    assert.deepEqual(assignSlots({ a: 2, b: 7, c: 7 }, ['a', 'b', 'c']), { b: 7, a: 4, c: 5 });
  });

  it('runs out after 27 devices', () => {
    const ids = Array.from({ length: 27 }, (_, i) => `d${i}`);
    assert.equal(Object.keys(assignSlots({}, ids)).length, 27);
    assert.throws(() => assignSlots({}, [...ids, 'one-more']), /No free PCI slot/);
  });

  it('lists NICs before volumes, volumes by device name', () => {
    const s = spec({ nics: [nic(2), nic(1)], volumes: [volume(3), volume(1)] });
    assert.deepEqual(slottedDevices(s), [nicIds('port-2').device, nicIds('port-1').device, volumeIds(volume(1).volumeId).device, volumeIds(volume(3).volumeId).device]);
  });
});

describe('instance files', () => {
  it('accepts only safe ids and short enough socket paths', () => {
    assert.throws(() => new InstanceFiles('/i', '/r', '../etc'), ComputeBackendError);
    assert.throws(() => new InstanceFiles('/i', '/r', 'web-1'), /not a UUID/);
    assert.throws(() => new InstanceFiles('/i', `/${'r'.repeat(80)}`, ID), /longer than 107/);
  });
});
