import type { Duplex } from 'node:stream';
import { SovError } from '../../platform/errors.ts';

/**
 * The hypervisor side of compute, as Nova's `virt/driver.py`: the compute service decides what
 * should run and hands a driver complete instance descriptions; the driver makes the host match.
 * Ids are the service's instance UUIDs; process ids, sockets and file names derive from them
 * inside the driver and never leave it.
 *
 * Every method is documented by the state it leaves behind. `spawn` leaves the instance running
 * or, when it throws, the host as before (no process, no disk). Stopping, destroying or detaching
 * something already gone succeeds. Instances keep running when the service process dies; after a
 * restart the service calls `inventory` and reconciles.
 */
export interface ComputeDriver {
  readonly capabilities: ComputeCapabilities;

  /** What runs guests here and what the host has; probed once (KVM is used only when it boots a guest). */
  hostInfo(): Promise<HostInfo>;

  /**
   * Afterwards the instance's root disk exists (a qcow2 overlay on `root.imagePath`, grown to
   * `root.sizeGiB`, or the volume itself), its config drive exists when asked for, and it runs
   * with its NICs plugged and its volumes attached. On failure nothing of it remains.
   */
  spawn(spec: InstanceSpec): Promise<void>;

  /** Afterwards no process of the instance runs; disks stay. ACPI shutdown first, then forced after `timeoutSeconds`. */
  powerOff(id: string, timeoutSeconds: number): Promise<void>;

  /** Afterwards the instance runs from its existing disks with the spec's resources, NICs and volumes. */
  powerOn(spec: InstanceSpec): Promise<void>;

  /** Afterwards the instance runs again from its disks: soft asks the guest (ACPI), hard resets. */
  reboot(spec: InstanceSpec, hard: boolean): Promise<void>;

  /** Afterwards the guest's vCPUs are stopped (memory kept in the process), or running again. */
  pause(id: string): Promise<void>;
  unpause(id: string): Promise<void>;

  /** Afterwards the guest's memory is saved to disk and its process is gone; `resume` restores it running. */
  suspend(id: string): Promise<void>;
  resume(spec: InstanceSpec): Promise<void>;

  /** Afterwards nothing of the instance exists on the host: process, disks it owns, config drive, console log. */
  destroy(id: string): Promise<void>;

  powerState(id: string): Promise<PowerState>;

  /** The serial console's output so far (the last `maxBytes`). Empty for an unknown instance. */
  consoleLog(id: string, maxBytes?: number): Promise<string>;

  /**
   * A stream to the running instance's serial port: what is written to it is typed into the
   * guest's first serial port, what the guest prints there is read from it (and still reaches
   * `consoleLog`). One client at a time: rejects with `ComputeBackendError` while another one is
   * connected or when the instance does not run. Ending the stream leaves the guest as it was.
   */
  connectSerial(id: string): Promise<Duplex>;

  /** Afterwards the running guest sees the disk (hot-plugged virtio); stopped instances get it at power-on. */
  attachVolume(id: string, disk: VolumeDisk): Promise<void>;
  detachVolume(id: string, volumeId: string): Promise<void>;

  /** Afterwards the running guest has, or no longer has, the NIC. */
  attachInterface(id: string, nic: Nic): Promise<void>;
  detachInterface(id: string, portId: string): Promise<void>;

  /**
   * Writes a standalone qcow2 image of the root disk's guest-visible data to `targetPath`
   * (consistent: the guest is paused meanwhile if it runs).
   */
  snapshot(id: string, targetPath: string): Promise<void>;

  /** Afterwards the root disk (image-backed) is at least `sizeGiB`; the instance must be stopped. */
  growRootDisk(id: string, sizeGiB: number): Promise<void>;

  /** Ids of instances that have anything on this host (process or disk). */
  inventory(): Promise<string[]>;
}

export interface ComputeCapabilities {
  /** Volumes and NICs can be added to a running guest. */
  hotplug: boolean;
  /** Guest memory can be saved to disk and restored. */
  suspend: boolean;
}

export type PowerState = 'running' | 'paused' | 'shutdown' | 'suspended' | 'crashed' | 'nostate';

export interface HostInfo {
  hostname: string;
  /** `QEMU` for both; `accelerator` says whether KVM or TCG runs guests. */
  hypervisorType: string;
  hypervisorVersion: number;
  accelerator: 'kvm' | 'tcg';
  vcpus: number;
  memoryMiB: number;
  diskGiB: number;
  cpuModel: string;
}

export interface Nic {
  portId: string;
  mac: string;
  mtu: number;
  /** Where the port's device must be plugged (the network service's `binding:vif_details`). */
  namespace: string;
  bridge: string;
  device: string;
}

export interface VolumeDisk {
  volumeId: string;
  /** The file holding the volume (block storage's `connection_info.data.device_path`). */
  path: string;
  /** `raw`, `qcow2`, or `luks` (then `passphrase` opens it). */
  format: string;
  passphrase?: Buffer;
  /** Serial the guest sees (`/dev/disk/by-id/virtio-<first 20 chars>`), Nova uses the volume id. */
  serial: string;
  /** Order of attachment: vdb, vdc, ... as the guest will name them. */
  deviceName: string;
}

export type RootDisk =
  | { kind: 'image'; imageId: string; imagePath: string; imageFormat: string; sizeGiB: number }
  | ({ kind: 'volume' } & VolumeDisk);

export interface InstanceSpec {
  id: string;
  name: string;
  vcpus: number;
  memoryMiB: number;
  root: RootDisk;
  volumes: VolumeDisk[];
  nics: Nic[];
  /** Files of an OpenStack config drive (label `config-2`), by path inside it; null for none. */
  configDrive: Record<string, string> | null;
}

/** A hypervisor command failed; the message says which and why, for the server's fault. */
export class ComputeBackendError extends SovError {}
