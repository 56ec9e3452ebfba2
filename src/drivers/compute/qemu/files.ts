import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ComputeBackendError } from '../../../services/compute/driver.ts';

/**
 * Instance ids reach file names, QEMU options and process command lines, and become the guest's
 * SMBIOS UUID (QEMU's `-uuid`), so only UUIDs pass.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isInstanceId(id: string): boolean {
  return UUID.test(id);
}

export function checkId(id: string): string {
  if (!isInstanceId(id)) throw new ComputeBackendError(`Instance id ${JSON.stringify(id)} is not a UUID.`);
  return id;
}

/** Linux's limit on a unix socket path (sun_path) minus the terminating NUL. */
const SOCKET_PATH_MAX = 107;

/**
 * Where an instance's things live. Disks, the config drive, saved memory and the console log sit
 * in `<instancesDir>/<id>/` (Nova's names: `disk`, `disk.config`, `console.log`); the pid file,
 * QMP and serial sockets and short-lived secret files sit in the run directory, which a reboot
 * may empty.
 */
export class InstanceFiles {
  readonly dir: string;
  readonly disk: string;
  readonly configDrive: string;
  readonly memory: string;
  readonly consoleLog: string;
  /** What the driver must remember between calls: see `InstanceState`. */
  readonly state: string;
  readonly pidFile: string;
  readonly qmpSocket: string;
  /** The guest's serial port; what passes through it is also appended to `consoleLog`. */
  readonly serialSocket: string;

  constructor(instancesDir: string, private readonly runDir: string, readonly id: string) {
    checkId(id);
    this.dir = join(instancesDir, id);
    this.disk = join(this.dir, 'disk');
    this.configDrive = join(this.dir, 'disk.config');
    this.memory = join(this.dir, 'memory');
    this.consoleLog = join(this.dir, 'console.log');
    this.state = join(this.dir, 'state.json');
    this.pidFile = join(runDir, `${id}.pid`);
    this.qmpSocket = join(runDir, `${id}.qmp`);
    this.serialSocket = join(runDir, `${id}.serial`);
    for (const socket of [this.qmpSocket, this.serialSocket]) {
      if (socket.length > SOCKET_PATH_MAX) throw new ComputeBackendError(`Socket path ${socket} is longer than ${SOCKET_PATH_MAX} bytes; use a shorter run directory.`);
    }
  }

  /** A file QEMU reads one secret from at start; deleted as soon as QEMU runs. */
  secretFile(n: number): string {
    return join(this.runDir, `${this.id}.${n}.key`);
  }
}

export interface TapRecord {
  portId: string;
  namespace: string;
  device: string;
}

/**
 * What `destroy(id)` and the detach calls cannot learn from their arguments: the taps the
 * instance owns, the namespace its process runs in, and the PCI slot of every device, kept so a
 * guest sees its NICs and disks at the same addresses across power cycles (stable interface
 * names) and so a suspended guest's saved state matches the devices it is restored into.
 */
export interface InstanceState {
  namespace: string | null;
  slots: Record<string, number>;
  taps: TapRecord[];
}

export async function readState(files: InstanceFiles): Promise<InstanceState> {
  const raw = await readFile(files.state, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  return raw === null ? { namespace: null, slots: {}, taps: [] } : (JSON.parse(raw) as InstanceState);
}

/** Replaces the state file whole, so a crash leaves the old or the new one. */
export async function writeState(files: InstanceFiles, state: InstanceState): Promise<void> {
  const tmp = `${files.state}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state)}\n`);
  await rename(tmp, files.state);
}
