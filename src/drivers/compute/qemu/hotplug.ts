import { setTimeout as sleep } from 'node:timers/promises';
import { ComputeBackendError, type Nic, type VolumeDisk } from '../../../services/compute/driver.ts';
import { nicDevice, nicIds, nicNetdev, volumeBlockdev, volumeDevice, volumeIds } from './devices.ts';
import { type Qmp, QmpError, withQmp } from './qmp.ts';

/** How long a guest may take to let go of a device (it must answer the ACPI eject request). */
const UNPLUG_TIMEOUT_MS = 60_000;

/**
 * Hot plug through QMP. Every step first looks at what QEMU already has, so a call repeated after
 * a failure or a crash half-way neither fails on duplicates nor leaks a backend.
 */
export async function plugVolume(socket: string, disk: VolumeDisk, slot: number): Promise<void> {
  const ids = volumeIds(disk.volumeId);
  await withQmp(socket, async (qmp) => {
    if (await hasDevice(qmp, ids.device)) return;
    await removeVolumeBackend(qmp, disk.volumeId);
    try {
      if (disk.format === 'luks') {
        if (disk.passphrase === undefined) throw new ComputeBackendError(`Encrypted volume ${disk.volumeId} came without its passphrase.`);
        // Through the monitor socket, never a command line `ps` could show.
        await qmp.execute('object-add', { 'qom-type': 'secret', id: ids.secret, data: disk.passphrase.toString('base64'), format: 'base64' });
      }
      await qmp.execute('blockdev-add', volumeBlockdev(disk));
      await qmp.execute('device_add', volumeDevice(disk, slot));
    } catch (err) {
      await removeVolumeBackend(qmp, disk.volumeId).catch(() => {});
      throw err;
    }
  });
}

export async function unplugVolume(socket: string, volumeId: string): Promise<void> {
  const ids = volumeIds(volumeId);
  await unplugDevice(socket, ids.device);
  await withQmp(socket, (qmp) => removeVolumeBackend(qmp, volumeId));
}

/** The NIC's tap must exist in QEMU's namespace. */
export async function plugNic(socket: string, nic: Nic, slot: number): Promise<void> {
  const ids = nicIds(nic.portId);
  await withQmp(socket, async (qmp) => {
    if (await hasDevice(qmp, ids.device)) return;
    await removeNetdev(qmp, ids.netdev);
    try {
      await qmp.execute('netdev_add', nicNetdev(nic));
      await qmp.execute('device_add', nicDevice(nic, slot));
    } catch (err) {
      await removeNetdev(qmp, ids.netdev).catch(() => {});
      throw err;
    }
  });
}

export async function unplugNic(socket: string, portId: string): Promise<void> {
  const ids = nicIds(portId);
  await unplugDevice(socket, ids.device);
  await withQmp(socket, (qmp) => removeNetdev(qmp, ids.netdev));
}

/** Asks the guest to release the device (ACPI) and waits until QEMU has removed it. */
async function unplugDevice(socket: string, id: string): Promise<void> {
  const present = await withQmp(socket, async (qmp) => {
    if (!(await hasDevice(qmp, id))) return false;
    // A request an earlier call left pending, or a device gone meanwhile, is answered with an
    // error; the wait below tells what holds.
    await qmp.execute('device_del', { id }).catch((err: unknown) => {
      if (!(err instanceof QmpError)) throw err;
    });
    return true;
  });
  if (!present) return;
  const until = Date.now() + UNPLUG_TIMEOUT_MS;
  while (await withQmp(socket, (qmp) => hasDevice(qmp, id))) {
    if (Date.now() > until) throw new ComputeBackendError(`The guest did not release device ${id} within ${UNPLUG_TIMEOUT_MS / 1000} s (it must support ACPI PCI hot plug).`);
    await sleep(200);
  }
}

async function hasDevice(qmp: Qmp, id: string): Promise<boolean> {
  const children = await qmp.execute<{ name: string }[]>('qom-list', { path: '/machine/peripheral' });
  return children.some((c) => c.name === id);
}

async function removeVolumeBackend(qmp: Qmp, volumeId: string): Promise<void> {
  const ids = volumeIds(volumeId);
  const nodes = await qmp.execute<{ 'node-name': string }[]>('query-named-block-nodes', { flat: true });
  if (nodes.some((n) => n['node-name'] === ids.node)) {
    // The device can vanish from the tree a moment before it releases its block node.
    for (let attempt = 1; ; attempt++) {
      try {
        await qmp.execute('blockdev-del', { 'node-name': ids.node });
        break;
      } catch (err) {
        if (attempt >= 25 || !String((err as Error).message).includes('is in use')) throw err;
        await sleep(200);
      }
    }
  }
  const objects = await qmp.execute<{ name: string }[]>('qom-list', { path: '/objects' });
  if (objects.some((o) => o.name === ids.secret)) await qmp.execute('object-del', { id: ids.secret });
}

async function removeNetdev(qmp: Qmp, netdev: string): Promise<void> {
  await qmp.execute('netdev_del', { id: netdev }).catch((err: unknown) => {
    if (!(err instanceof QmpError) || err.errorClass !== 'DeviceNotFound') throw err;
  });
}
