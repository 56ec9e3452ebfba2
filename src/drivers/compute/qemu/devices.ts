import { createHash } from 'node:crypto';
import { ComputeBackendError, type Nic, type VolumeDisk } from '../../../services/compute/driver.ts';

/**
 * The QEMU objects behind each guest device, shared by the command line (cold plug) and QMP
 * (hot plug), so both describe a device the same way.
 *
 * Devices sit at fixed PCI slots of the i440fx bus: the guest numbers virtio disks and NICs in
 * slot order, so the root disk takes the lowest slot (vda), the config drive the highest (after
 * every volume, which keeps the first volume at vdb as Nova names it), and NICs and volumes the
 * slots between, remembered per instance. (i440fx rather than q35: q35 hot-plugs only into
 * pre-made root ports, and here KVM did not boot q35 at all.)
 */
export const ROOT_SLOT = 2;
export const RNG_SLOT = 3;
const FIRST_FREE_SLOT = 4;
const LAST_FREE_SLOT = 30;
export const CONFIG_DRIVE_SLOT = 31;

export const ROOT_NODE = 'root';
export const CONFIG_DRIVE_NODE = 'config-drive';
export const ROOT_DEVICE = 'root';
export const CONFIG_DRIVE_DEVICE = 'config-drive';
export const ROOT_SECRET = 'sec-root';

/** Block node names are limited to 31 characters, too few for `vol-` plus a UUID. */
export function volumeIds(volumeId: string): { device: string; node: string; secret: string } {
  const digest = createHash('sha256').update(volumeId).digest('hex').slice(0, 24);
  return { device: `vol-${volumeId}`, node: `v${digest}`, secret: `sec-${digest}` };
}

export function nicIds(portId: string): { device: string; netdev: string } {
  return { device: `nic-${portId}`, netdev: `net-${portId}` };
}

/** `-blockdev` / `blockdev-add` arguments for a disk file; LUKS opens with secret `secretId`. */
export function blockdev(node: string, path: string, format: string, options: { secretId?: string; readOnly?: boolean } = {}): Record<string, unknown> {
  const readOnly = options.readOnly ?? false;
  const file = { driver: 'file', filename: path, 'read-only': readOnly };
  switch (format) {
    case 'raw':
    case 'qcow2':
      return { driver: format, 'node-name': node, 'read-only': readOnly, file };
    case 'luks':
      if (options.secretId === undefined) throw new ComputeBackendError(`LUKS disk ${path} needs a passphrase.`);
      return { driver: 'luks', 'node-name': node, 'read-only': readOnly, 'key-secret': options.secretId, file };
    default:
      throw new ComputeBackendError(`Disk format ${JSON.stringify(format)} of ${path} is not one of raw, qcow2, luks.`);
  }
}

export function diskDevice(id: string, node: string, slot: number, options: { serial?: string; bootindex?: number } = {}): Record<string, unknown> {
  return {
    driver: 'virtio-blk-pci', id, drive: node, addr: pciAddr(slot),
    ...(options.serial === undefined ? {} : { serial: options.serial.slice(0, 20) }),
    ...(options.bootindex === undefined ? {} : { bootindex: options.bootindex }),
  };
}

export function volumeDevice(disk: VolumeDisk, slot: number): Record<string, unknown> {
  const ids = volumeIds(disk.volumeId);
  return diskDevice(ids.device, ids.node, slot, { serial: disk.serial });
}

export function volumeBlockdev(disk: VolumeDisk): Record<string, unknown> {
  const ids = volumeIds(disk.volumeId);
  return blockdev(ids.node, disk.path, disk.format, disk.format === 'luks' ? { secretId: ids.secret } : {});
}

/** The tap already exists in the namespace QEMU runs in; QEMU must never run ifup scripts. */
export function nicNetdev(nic: Nic): Record<string, unknown> {
  return { type: 'tap', id: nicIds(nic.portId).netdev, ifname: nic.device, script: 'no', downscript: 'no' };
}

/** `host_mtu` tells the guest the network's MTU (VIRTIO_NET_F_MTU), as libvirt's `<mtu>` does. */
export function nicDevice(nic: Nic, slot: number): Record<string, unknown> {
  const ids = nicIds(nic.portId);
  return { driver: 'virtio-net-pci', id: ids.device, netdev: ids.netdev, mac: nic.mac, host_mtu: nic.mtu, addr: pciAddr(slot) };
}

function pciAddr(slot: number): string {
  return `0x${slot.toString(16)}`;
}

/**
 * Slots for `devices` (ids in boot order): a device keeps the slot `previous` gave it, a new one
 * takes the lowest free slot. Devices no longer listed give theirs up.
 */
export function assignSlots(previous: Record<string, number>, devices: string[]): Record<string, number> {
  const slots: Record<string, number> = {};
  for (const id of devices) {
    const slot = previous[id];
    if (slot !== undefined && slot >= FIRST_FREE_SLOT && slot <= LAST_FREE_SLOT && !Object.values(slots).includes(slot)) slots[id] = slot;
  }
  for (const id of devices) if (slots[id] === undefined) slots[id] = freeSlot(slots);
  return slots;
}

export function freeSlot(slots: Record<string, number>): number {
  const used = new Set(Object.values(slots));
  for (let slot = FIRST_FREE_SLOT; slot <= LAST_FREE_SLOT; slot++) if (!used.has(slot)) return slot;
  throw new ComputeBackendError(`No free PCI slot: an instance has at most ${LAST_FREE_SLOT - FIRST_FREE_SLOT + 1} NICs and volumes.`);
}
