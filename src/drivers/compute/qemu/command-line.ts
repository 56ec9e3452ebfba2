import { ComputeBackendError, type InstanceSpec } from '../../../services/compute/driver.ts';
import {
  blockdev, CONFIG_DRIVE_DEVICE, CONFIG_DRIVE_NODE, CONFIG_DRIVE_SLOT, diskDevice, nicDevice, nicIds, nicNetdev, RNG_SLOT,
  ROOT_DEVICE, ROOT_NODE, ROOT_SECRET, ROOT_SLOT, volumeBlockdev, volumeDevice, volumeIds,
} from './devices.ts';
import type { InstanceFiles } from './files.ts';

export const QEMU = 'qemu-system-x86_64';

export interface CommandLineInput {
  spec: InstanceSpec;
  files: InstanceFiles;
  accelerator: 'kvm' | 'tcg';
  /** A slot for every id `slottedDevices(spec)` lists. */
  slots: Record<string, number>;
  /** Start paused and wait for saved memory (QMP `migrate-incoming`) instead of booting. */
  incoming: boolean;
}

/** A secret QEMU reads from a 0600 file at start, so it never shows in `ps`. */
export interface SecretFile {
  path: string;
  data: Buffer;
}

export interface Launch {
  argv: string[];
  /** The network namespace QEMU must run in to open the NICs' taps; null without NICs. */
  namespace: string | null;
  secrets: SecretFile[];
}

/**
 * The QEMU command line for an instance: pure, so its tests need no QEMU. QEMU daemonizes (its
 * own session, so it outlives the server) and reports start-up errors through its exit status.
 */
export function commandLine(input: CommandLineInput): Launch {
  const { spec, files } = input;
  if (!Number.isInteger(spec.vcpus) || spec.vcpus < 1) throw new ComputeBackendError(`Instance ${spec.id} needs at least one vCPU, not ${spec.vcpus}.`);
  if (!Number.isInteger(spec.memoryMiB) || spec.memoryMiB < 16) throw new ComputeBackendError(`Instance ${spec.id} needs at least 16 MiB of memory, not ${spec.memoryMiB}.`);
  const secrets: SecretFile[] = [];
  const argv = [
    QEMU,
    // The id on the command line is how a pid from the pid file is recognized as this instance's.
    '-uuid', spec.id,
    '-name', `guest=${opt(spec.id)},debug-threads=on`,
    // cloud-init recognizes OpenStack (and so its metadata service) by these SMBIOS strings.
    '-smbios', `type=1,manufacturer=OpenStack Foundation,product=OpenStack Nova,family=Virtual Machine,serial=${spec.id},uuid=${spec.id}`,
    '-machine', 'pc',
    // TCG with one thread per vCPU: x86 on x86 keeps the memory model, so MTTCG is safe.
    '-accel', input.accelerator === 'kvm' ? 'kvm' : 'tcg,thread=multi',
    '-cpu', input.accelerator === 'kvm' ? 'host' : 'max',
    '-smp', String(spec.vcpus),
    '-m', `${spec.memoryMiB}M`,
    // No default NIC (which would be slirp), VGA, floppy or CD-ROM: every device is listed below.
    '-nodefaults', '-no-user-config',
    '-display', 'none',
    // Seccomp. `spawn` stays allowed: daemonizing forks after the filter is in place, and saving
    // memory for suspend runs `cat` through `exec:` migration. `elevateprivileges=deny` makes
    // daemonizing fail silently.
    '-sandbox', 'on,obsolete=deny,resourcecontrol=deny',
    '-rtc', 'base=utc',
    '-boot', 'strict=on',
    // The serial port is a socket for the interactive console (QEMU serves one client at a time
    // and listens again when it leaves). QEMU copies the guest's output to the console log whether
    // or not a client is connected; the log survives power cycles: QEMU appends, never truncates.
    '-chardev', `socket,id=console,path=${opt(files.serialSocket)},server=on,wait=off,logfile=${opt(files.consoleLog)},logappend=on`,
    '-serial', 'chardev:console',
    '-chardev', `socket,id=qmp,path=${opt(files.qmpSocket)},server=on,wait=off`,
    '-mon', 'chardev=qmp,mode=control',
    '-pidfile', files.pidFile,
    '-daemonize',
    // The guest's entropy comes from the host: without it dropbear and sshd wait at first boot.
    '-device', json({ driver: 'virtio-rng-pci', addr: `0x${RNG_SLOT.toString(16)}` }),
  ];

  const root = spec.root;
  if (root.kind === 'image') {
    argv.push('-blockdev', json(blockdev(ROOT_NODE, files.disk, 'qcow2')));
    argv.push('-device', json(diskDevice(ROOT_DEVICE, ROOT_NODE, ROOT_SLOT, { bootindex: 0 })));
  } else {
    if (root.format === 'luks') addSecret(argv, secrets, files, ROOT_SECRET, root.passphrase, root.volumeId);
    argv.push('-blockdev', json(blockdev(ROOT_NODE, root.path, root.format, root.format === 'luks' ? { secretId: ROOT_SECRET } : {})));
    argv.push('-device', json(diskDevice(ROOT_DEVICE, ROOT_NODE, ROOT_SLOT, { bootindex: 0, serial: root.serial })));
  }

  const namespace = instanceNamespace(spec);
  for (const nic of spec.nics) {
    argv.push('-netdev', json(nicNetdev(nic)));
    argv.push('-device', json(nicDevice(nic, slotOf(input, nicIds(nic.portId).device))));
  }

  for (const disk of spec.volumes) {
    const ids = volumeIds(disk.volumeId);
    if (disk.format === 'luks') addSecret(argv, secrets, files, ids.secret, disk.passphrase, disk.volumeId);
    argv.push('-blockdev', json(volumeBlockdev(disk)));
    argv.push('-device', json(volumeDevice(disk, slotOf(input, ids.device))));
  }

  if (spec.configDrive !== null) {
    argv.push('-blockdev', json(blockdev(CONFIG_DRIVE_NODE, files.configDrive, 'raw', { readOnly: true })));
    argv.push('-device', json(diskDevice(CONFIG_DRIVE_DEVICE, CONFIG_DRIVE_NODE, CONFIG_DRIVE_SLOT)));
  }

  if (input.incoming) argv.push('-S', '-incoming', 'defer');
  return { argv, namespace, secrets };
}

/** Ids of the devices placed in per-instance slots, in the order a first boot numbers them. */
export function slottedDevices(spec: InstanceSpec): string[] {
  const volumes = [...spec.volumes].sort((a, b) => a.deviceName.localeCompare(b.deviceName));
  return [...spec.nics.map((n) => nicIds(n.portId).device), ...volumes.map((v) => volumeIds(v.volumeId).device)];
}

/**
 * One QEMU process lives in one network namespace, where it opens its taps by name; NICs plugged
 * elsewhere could not be reached.
 */
export function instanceNamespace(spec: InstanceSpec): string | null {
  const namespaces = [...new Set(spec.nics.map((n) => n.namespace))];
  if (namespaces.length > 1) throw new ComputeBackendError(`Instance ${spec.id} has NICs in several network namespaces (${namespaces.join(', ')}); one QEMU process can use only one.`);
  return namespaces[0] ?? null;
}

function slotOf(input: CommandLineInput, device: string): number {
  const slot = input.slots[device];
  if (slot === undefined) throw new ComputeBackendError(`No PCI slot was assigned to ${device}.`);
  return slot;
}

function addSecret(argv: string[], secrets: SecretFile[], files: InstanceFiles, id: string, data: Buffer | undefined, volumeId: string): void {
  if (data === undefined) throw new ComputeBackendError(`Encrypted volume ${volumeId} came without its passphrase.`);
  const path = files.secretFile(secrets.length);
  secrets.push({ path, data });
  argv.push('-object', json({ 'qom-type': 'secret', id, file: path, format: 'raw' }));
}

/** QEMU's JSON option syntax: no escaping of commas in file names. */
function json(value: Record<string, unknown>): string {
  return JSON.stringify(value);
}

/** A value inside QEMU's `key=value,...` syntax, where a literal comma is doubled. */
function opt(value: string): string {
  return value.replaceAll(',', ',,');
}
