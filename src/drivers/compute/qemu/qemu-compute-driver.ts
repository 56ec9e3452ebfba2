import { access, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { Logger } from '../../../platform/log.ts';
import {
  ComputeBackendError, type ComputeCapabilities, type ComputeDriver, type HostInfo, type InstanceSpec, type Nic,
  type PowerState, type VolumeDisk,
} from '../../../services/compute/driver.ts';
import { type AcceleratorProbe, probeAccelerator } from './accelerator.ts';
import { commandLine, instanceNamespace, slottedDevices } from './command-line.ts';
import { buildConfigDrive } from './config-drive.ts';
import { readConsoleLog, trimConsoleLog } from './console-log.ts';
import { assignSlots, freeSlot, nicIds, volumeIds } from './devices.ts';
import { checkId, InstanceFiles, type InstanceState, isInstanceId, readState, writeState } from './files.ts';
import { describeHost } from './host-info.ts';
import { plugNic, plugVolume, unplugNic, unplugVolume } from './hotplug.ts';
import { findQemu, launch, removeRunFiles, terminate, waitForExit } from './process.ts';
import { withQmp } from './qmp.ts';
import { convertToImage, createOverlay, growOverlay } from './root-disk.ts';
import { restoreMemory, saveMemory } from './saved-memory.ts';
import { openSerialSocket } from './serial-console.ts';
import { ensureTap, removeTap } from './taps.ts';

export interface QemuComputeDriverOptions {
  /** Per-instance disks, config drives, saved memory and console logs. */
  instancesDir: string;
  /** Pid files and QMP sockets (e.g. /run/sovcloud/<prefix>/compute). */
  runDir: string;
  log: Logger;
}

/** How often the power button is pressed again while a guest has not shut down. */
const POWER_BUTTON_RETRY_MS = 5_000;

/** How long a guest gets to shut down for a soft reboot before it is reset, as Nova's default. */
const SOFT_REBOOT_TIMEOUT_MS = 120_000;
/** How long QEMU gets to flush its disks and exit after SIGTERM. */
const EXIT_GRACE_MS = 10_000;

/** QEMU run states (`query-status`) as the contract's power states, as libvirt maps them. */
const POWER_STATES: Record<string, PowerState> = {
  running: 'running',
  'internal-error': 'crashed',
  'guest-panicked': 'crashed',
  shutdown: 'shutdown',
};

/**
 * One QEMU process per instance (KVM when it really boots guests here, TCG otherwise), driven
 * through QMP on a unix socket; NICs are taps on the network service's bridges, root disks qcow2
 * overlays on images (or volumes), the config drive an ISO 9660 on a read-only virtio disk, and
 * the serial console a unix socket that QEMU also logs to a file.
 */
export class QemuComputeDriver implements ComputeDriver {
  readonly capabilities: ComputeCapabilities = { hotplug: true, suspend: true };
  private probe: Promise<AcceleratorProbe> | null = null;
  /** Calls for one instance run one after another; calls for different instances in parallel. */
  private readonly queues = new Map<string, Promise<unknown>>();
  /** Instances whose serial console has a client now. */
  private readonly serialClients = new Set<string>();

  constructor(private readonly options: QemuComputeDriverOptions) {}

  async hostInfo(): Promise<HostInfo> {
    return describeHost(this.options.instancesDir, (await this.accelerator()).accelerator);
  }

  spawn(spec: InstanceSpec): Promise<void> {
    return this.serialize(spec.id, async () => {
      const files = this.files(spec.id);
      if (await findQemu(files)) return;
      try {
        await mkdir(files.dir, { recursive: true, mode: 0o700 });
        if (spec.root.kind === 'image' && !(await exists(files.disk))) await createOverlay(files.disk, spec.root);
        if (spec.configDrive !== null) await buildConfigDrive(spec.configDrive, files.configDrive);
        await this.start(spec, files, false);
        this.options.log.info({ instance: spec.id }, 'QEMU instance spawned');
      } catch (err) {
        await this.remove(files).catch((cleanup: unknown) => this.options.log.error({ instance: spec.id, err: cleanup }, 'cleaning up a failed spawn failed'));
        throw err;
      }
    });
  }

  powerOff(id: string, timeoutSeconds: number): Promise<void> {
    return this.serialize(id, async () => {
      const files = this.files(id);
      const pid = await findQemu(files);
      if (pid !== null) {
        if (timeoutSeconds > 0 && (await this.runState(files).catch(() => null)) === 'running') {
          if (!(await this.powerButton(files, pid, timeoutSeconds * 1000))) this.options.log.warn({ instance: id }, 'guest ignored ACPI shutdown; stopping it');
        }
        await terminate(pid, EXIT_GRACE_MS);
      }
      await removeRunFiles(files);
      // A stopped instance boots afresh, as Nova's start drops a managed save.
      await rm(files.memory, { force: true });
    });
  }

  /**
   * Presses the ACPI power button and waits up to `ms` for QEMU to exit, pressing again every
   * few seconds: a guest still booting misses a single press (Nova's `shutdown_retry_interval`).
   */
  private async powerButton(files: InstanceFiles, pid: number, ms: number): Promise<boolean> {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      await withQmp(files.qmpSocket, (qmp) => qmp.execute('system_powerdown'))
        .catch((err: unknown) => this.options.log.warn({ pid, err }, 'ACPI power button press failed'));
      if (await waitForExit(pid, Math.min(POWER_BUTTON_RETRY_MS, until - Date.now()))) return true;
    }
    return false;
  }

  powerOn(spec: InstanceSpec): Promise<void> {
    return this.serialize(spec.id, async () => {
      const files = this.files(spec.id);
      if (await findQemu(files)) return;
      await this.start(spec, files, false);
    });
  }

  reboot(spec: InstanceSpec, hard: boolean): Promise<void> {
    return this.serialize(spec.id, async () => {
      const files = this.files(spec.id);
      const pid = await findQemu(files);
      if (pid === null) return this.start(spec, files, false);
      // Only a running guest can answer the power button.
      if (!hard && (await this.runState(files)) === 'running') {
        // QEMU has no ACPI reboot request: the guest shuts down and is started again.
        if (await this.powerButton(files, pid, SOFT_REBOOT_TIMEOUT_MS)) {
          await removeRunFiles(files);
          return this.start(spec, files, false);
        }
        this.options.log.warn({ instance: spec.id }, 'guest ignored ACPI shutdown for a soft reboot; resetting it');
      }
      await withQmp(files.qmpSocket, async (qmp) => {
        await qmp.execute('system_reset');
        await qmp.execute('cont');
      });
    });
  }

  pause(id: string): Promise<void> {
    return this.serialize(id, () => this.monitor(id, 'stop'));
  }

  unpause(id: string): Promise<void> {
    return this.serialize(id, () => this.monitor(id, 'cont'));
  }

  suspend(id: string): Promise<void> {
    return this.serialize(id, async () => {
      const files = this.files(id);
      const pid = await findQemu(files);
      if (pid === null) {
        if (await exists(files.memory)) return;
        throw new ComputeBackendError(`Instance ${id} is not running, so there is no memory to save.`);
      }
      await saveMemory(files, (await this.runState(files)) === 'running');
      await terminate(pid, EXIT_GRACE_MS);
      await removeRunFiles(files);
    });
  }

  resume(spec: InstanceSpec): Promise<void> {
    return this.serialize(spec.id, async () => {
      const files = this.files(spec.id);
      if (await findQemu(files)) return;
      if (!(await exists(files.memory))) throw new ComputeBackendError(`Instance ${spec.id} has no saved memory to resume from.`);
      await this.start(spec, files, true);
      try {
        await restoreMemory(files);
      } catch (err) {
        // The saved memory stays, so resuming can be tried again.
        const pid = await findQemu(files);
        if (pid !== null) await terminate(pid, 0);
        await removeRunFiles(files);
        throw err;
      }
      await rm(files.memory, { force: true });
    });
  }

  destroy(id: string): Promise<void> {
    return this.serialize(id, async () => {
      const files = this.files(id);
      if ((await findQemu(files)) === null && !(await exists(files.dir)) && !(await exists(files.pidFile))) {
        this.options.log.warn({ instance: id }, 'destroying an instance this host does not have');
        return;
      }
      await this.remove(files);
      this.options.log.info({ instance: id }, 'QEMU instance destroyed');
    });
  }

  async powerState(id: string): Promise<PowerState> {
    const files = this.files(id);
    if ((await findQemu(files)) !== null) {
      try {
        const status = await this.runState(files);
        return POWER_STATES[status] ?? 'paused';
      } catch (err) {
        if ((await findQemu(files)) !== null) throw err;
      }
    }
    if (await exists(files.memory)) return 'suspended';
    return (await exists(files.dir)) ? 'shutdown' : 'nostate';
  }

  consoleLog(id: string, maxBytes?: number): Promise<string> {
    return readConsoleLog(this.files(id).consoleLog, maxBytes);
  }

  async connectSerial(id: string): Promise<Duplex> {
    const files = this.files(id);
    if (this.serialClients.has(id)) throw new ComputeBackendError(`The serial console of instance ${id} is in use by another client.`);
    this.serialClients.add(id);
    try {
      if ((await findQemu(files)) === null) throw new ComputeBackendError(`Instance ${id} is not running.`);
      const socket = await openSerialSocket(files.serialSocket, id);
      socket.once('close', () => this.serialClients.delete(id));
      return socket;
    } catch (err) {
      this.serialClients.delete(id);
      throw err;
    }
  }

  attachVolume(id: string, disk: VolumeDisk): Promise<void> {
    return this.serialize(id, async () => {
      const files = this.files(id);
      if (!(await this.runningForHotplug(files))) return;
      const state = await readState(files);
      const device = volumeIds(disk.volumeId).device;
      const slot = state.slots[device] ?? freeSlot(state.slots);
      await plugVolume(files.qmpSocket, disk, slot);
      await writeState(files, { ...state, slots: { ...state.slots, [device]: slot } });
    });
  }

  detachVolume(id: string, volumeId: string): Promise<void> {
    return this.serialize(id, async () => {
      const files = this.files(id);
      if (await findQemu(files)) await unplugVolume(files.qmpSocket, volumeId);
      await this.forget(files, volumeIds(volumeId).device);
    });
  }

  attachInterface(id: string, nic: Nic): Promise<void> {
    return this.serialize(id, async () => {
      const files = this.files(id);
      if (!(await this.runningForHotplug(files))) return;
      const state = await readState(files);
      if (state.namespace !== nic.namespace) {
        throw new ComputeBackendError(`Instance ${id} runs in network namespace ${state.namespace ?? '(the host\'s)'}, so it cannot use a NIC in ${nic.namespace}; plug it while the instance is stopped.`);
      }
      const device = nicIds(nic.portId).device;
      const slot = state.slots[device] ?? freeSlot(state.slots);
      // The tap is recorded before it is made, so a failure half-way still finds it to remove.
      const taps = [...state.taps.filter((t) => t.portId !== nic.portId), { portId: nic.portId, namespace: nic.namespace, device: nic.device }];
      await writeState(files, { ...state, taps });
      await ensureTap(nic);
      await plugNic(files.qmpSocket, nic, slot);
      await writeState(files, { ...state, taps, slots: { ...state.slots, [device]: slot } });
    });
  }

  detachInterface(id: string, portId: string): Promise<void> {
    return this.serialize(id, async () => {
      const files = this.files(id);
      if (await findQemu(files)) await unplugNic(files.qmpSocket, portId);
      const state = await readState(files);
      for (const tap of state.taps.filter((t) => t.portId === portId)) await removeTap(tap.namespace, tap.device);
      await this.forget(files, nicIds(portId).device, portId);
    });
  }

  snapshot(id: string, targetPath: string): Promise<void> {
    return this.serialize(id, async () => {
      const files = this.files(id);
      if (!(await exists(files.disk))) throw new ComputeBackendError(`Instance ${id} has no image-backed root disk on this host to snapshot.`);
      // Stopping the guest drains and flushes QEMU's writes, so the file is consistent meanwhile.
      const running = (await findQemu(files)) !== null && (await this.runState(files)) === 'running';
      if (running) await this.monitor(id, 'stop');
      try {
        await convertToImage(files.disk, targetPath);
      } finally {
        if (running) await this.monitor(id, 'cont');
      }
    });
  }

  growRootDisk(id: string, sizeGiB: number): Promise<void> {
    return this.serialize(id, async () => {
      const files = this.files(id);
      if (await findQemu(files)) throw new ComputeBackendError(`Instance ${id} must be stopped to grow its root disk.`);
      if (!(await exists(files.disk))) throw new ComputeBackendError(`Instance ${id} has no image-backed root disk on this host.`);
      await growOverlay(files.disk, sizeGiB);
    });
  }

  async inventory(): Promise<string[]> {
    const ids = new Set<string>();
    for (const entry of await readdir(this.options.instancesDir, { withFileTypes: true }).catch(() => [])) {
      if (entry.isDirectory() && isInstanceId(entry.name)) ids.add(entry.name);
    }
    for (const name of await readdir(this.options.runDir).catch(() => [])) {
      const id = name.endsWith('.pid') ? name.slice(0, -4) : '';
      if (isInstanceId(id)) ids.add(id);
    }
    return [...ids].sort();
  }

  private files(id: string): InstanceFiles {
    return new InstanceFiles(this.options.instancesDir, this.options.runDir, id);
  }

  private accelerator(): Promise<AcceleratorProbe> {
    this.probe ??= probeAccelerator().then((probe) => {
      this.options.log.info({ ...probe }, `guests run with ${probe.accelerator.toUpperCase()}`);
      return probe;
    });
    return this.probe;
  }

  private async serialize<T>(id: string, work: () => Promise<T>): Promise<T> {
    checkId(id);
    const before = this.queues.get(id) ?? Promise.resolve();
    const mine = before.catch(() => {}).then(work);
    this.queues.set(id, mine);
    try {
      return await mine;
    } finally {
      if (this.queues.get(id) === mine) this.queues.delete(id);
    }
  }

  /**
   * Starts QEMU from the instance's disks: its taps exist on their bridges, every device has its
   * slot, and with `incoming` it waits paused for saved memory. A cold start discards saved
   * memory, as Nova's hard reboot drops a managed save.
   */
  private async start(spec: InstanceSpec, files: InstanceFiles, incoming: boolean): Promise<void> {
    if (spec.root.kind === 'image' && !(await exists(files.disk))) throw new ComputeBackendError(`Instance ${spec.id} has no root disk on this host.`);
    const { accelerator } = await this.accelerator();
    const namespace = instanceNamespace(spec);
    const previous = await readState(files);
    for (const tap of previous.taps) {
      if (!spec.nics.some((n) => n.portId === tap.portId)) await removeTap(tap.namespace, tap.device);
    }
    const state: InstanceState = {
      namespace,
      slots: assignSlots(previous.slots, slottedDevices(spec)),
      taps: spec.nics.map((n) => ({ portId: n.portId, namespace: n.namespace, device: n.device })),
    };
    await writeState(files, state);
    for (const nic of spec.nics) await ensureTap(nic);
    if (!incoming) await rm(files.memory, { force: true });
    if (spec.configDrive !== null && !(await exists(files.configDrive))) await buildConfigDrive(spec.configDrive, files.configDrive);
    await trimConsoleLog(files.consoleLog);

    const plan = commandLine({ spec, files, accelerator, slots: state.slots, incoming });
    await mkdir(this.options.runDir, { recursive: true, mode: 0o700 });
    await removeRunFiles(files);
    try {
      for (const secret of plan.secrets) {
        await rm(secret.path, { force: true });
        await writeFile(secret.path, secret.data, { mode: 0o600, flag: 'wx' });
      }
      await launch(plan.argv, plan.namespace);
    } finally {
      // QEMU has read them by the time its launcher exits.
      await Promise.all(plan.secrets.map((s) => rm(s.path, { force: true })));
    }
    if ((await findQemu(files)) === null) throw new ComputeBackendError(`QEMU for instance ${spec.id} exited right after starting; see its console log.`);
  }

  /** Afterwards nothing of the instance exists: process, taps, run files, its directory. */
  private async remove(files: InstanceFiles): Promise<void> {
    const pid = await findQemu(files);
    if (pid !== null) await terminate(pid, EXIT_GRACE_MS);
    // Pid file, QMP socket and any secret file a crash left behind.
    for (const name of await readdir(this.options.runDir).catch(() => [])) {
      if (name.startsWith(`${files.id}.`)) await rm(join(this.options.runDir, name), { force: true });
    }
    const state = await readState(files);
    for (const tap of state.taps) await removeTap(tap.namespace, tap.device);
    await rm(files.dir, { recursive: true, force: true });
  }

  /** Drops a device's slot (and a port's tap record) from the state of an instance that still exists. */
  private async forget(files: InstanceFiles, device: string, portId?: string): Promise<void> {
    if (!(await exists(files.dir))) return;
    const state = await readState(files);
    const slots = Object.fromEntries(Object.entries(state.slots).filter(([d]) => d !== device));
    await writeState(files, { ...state, slots, taps: state.taps.filter((t) => t.portId !== portId) });
  }

  /** Whether to hot plug now: a stopped instance gets the device from its spec at power-on. */
  private async runningForHotplug(files: InstanceFiles): Promise<boolean> {
    if (await findQemu(files)) return true;
    // Saved memory can only be restored into the devices it was saved with.
    if (await exists(files.memory)) throw new ComputeBackendError(`Instance ${files.id} is suspended; resume or stop it to change its devices.`);
    return false;
  }

  private async monitor(id: string, command: 'stop' | 'cont'): Promise<void> {
    const files = this.files(id);
    if ((await findQemu(files)) === null) throw new ComputeBackendError(`Instance ${id} is not running.`);
    await withQmp(files.qmpSocket, (qmp) => qmp.execute(command));
  }

  private async runState(files: InstanceFiles): Promise<string> {
    return (await withQmp(files.qmpSocket, (qmp) => qmp.execute<{ status: string }>('query-status'))).status;
  }
}

function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}
