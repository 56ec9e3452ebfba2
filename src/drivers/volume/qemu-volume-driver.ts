import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { VolumeDriver, VolumeSpec } from '../../services/block-storage/driver.ts';
import { luksOpts, run, SECRET_OBJECT } from './qemu.ts';

const GiB = 1024 ** 3;
const TMP_PREFIX = '.tmp-';
const ID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const NAME = new RegExp(`^(volume|snapshot)-(${ID})$`);

/**
 * Volumes as files under one directory: plain volumes are sparse raw files, encrypted ones LUKS
 * files made by `qemu-img create -f luks`. Snapshots are sparse byte copies (`cp --sparse`), so a
 * LUKS snapshot keeps its header and passphrase and later writes to the volume never reach it.
 * Every new file is built under a temporary name and renamed into place.
 */
export class QemuVolumeDriver implements VolumeDriver {
  readonly capabilities = { encryption: true };

  constructor(private readonly dir: string) {}

  async create(v: VolumeSpec): Promise<void> {
    await this.build(this.volumePath(v.id), async (tmp) => {
      if (v.passphrase) {
        // The passphrase is 256 random bits, so PBKDF stretching adds nothing but start-up time.
        await run('qemu-img', ['create', '-q', '--object', SECRET_OBJECT, '-f', 'luks', '-o', 'key-secret=sec0,iter-time=10', tmp, `${v.sizeGiB}G`], v.passphrase);
      } else {
        await run('qemu-img', ['create', '-q', '-f', 'raw', tmp, `${v.sizeGiB}G`]);
      }
    });
  }

  async createFromSnapshot(v: VolumeSpec, snapshotId: string): Promise<void> {
    await this.copyAndGrow(this.snapshotPath(snapshotId), v);
  }

  async clone(v: VolumeSpec, sourceId: string): Promise<void> {
    await this.copyAndGrow(this.volumePath(sourceId), v);
  }

  async extend(v: VolumeSpec): Promise<void> {
    await this.resize(this.volumePath(v.id), v);
  }

  async delete(volumeId: string): Promise<void> {
    await rm(this.volumePath(volumeId), { force: true });
  }

  async createSnapshot(snapshotId: string, volumeId: string): Promise<void> {
    await this.build(this.snapshotPath(snapshotId), async (tmp) => { await copy(this.volumePath(volumeId), tmp); });
  }

  async deleteSnapshot(snapshotId: string): Promise<void> {
    await rm(this.snapshotPath(snapshotId), { force: true });
  }

  async withRawData<T>(v: VolumeSpec, use: (rawPath: string) => Promise<T>): Promise<T> {
    // A plain volume already is its raw data; only LUKS needs a decrypted temporary copy.
    if (!v.passphrase) return use(this.volumePath(v.id));
    const tmp = await this.tmpPath();
    try {
      await run('qemu-img', ['convert', '--object', SECRET_OBJECT, '--image-opts', luksOpts(this.volumePath(v.id)), '-O', 'raw', tmp], v.passphrase);
      return await use(tmp);
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async replaceData(v: VolumeSpec, fill: (rawPath: string) => Promise<void>): Promise<void> {
    const tmp = await this.tmpPath();
    try {
      await writeFile(tmp, '');
      await truncate(tmp, v.sizeGiB * GiB);
      await fill(tmp);
      if (v.passphrase) {
        await run('qemu-img', ['convert', '-n', '--object', SECRET_OBJECT, '-f', 'raw', tmp, '--target-image-opts', luksOpts(this.volumePath(v.id))], v.passphrase);
      } else {
        await rename(tmp, this.volumePath(v.id));
      }
    } finally {
      await rm(tmp, { force: true });
    }
  }

  connectionInfo(v: VolumeSpec): Record<string, unknown> {
    return {
      driver_volume_type: 'file',
      data: { device_path: this.volumePath(v.id), format: v.passphrase ? 'luks' : 'raw', encrypted: v.passphrase !== undefined },
    };
  }

  async list(): Promise<{ volumes: string[]; snapshots: string[] }> {
    const out = { volumes: [] as string[], snapshots: [] as string[] };
    for (const name of await this.entries()) {
      const m = NAME.exec(name);
      if (m) (m[1] === 'volume' ? out.volumes : out.snapshots).push(m[2]!);
    }
    return out;
  }

  async removeTemporaries(): Promise<number> {
    const tmps = (await this.entries()).filter((n) => n.startsWith(TMP_PREFIX));
    await Promise.all(tmps.map((n) => rm(join(this.dir, n), { force: true })));
    return tmps.length;
  }

  private volumePath(id: string): string {
    return join(this.dir, `volume-${id}`);
  }

  private snapshotPath(id: string): string {
    return join(this.dir, `snapshot-${id}`);
  }

  private async tmpPath(): Promise<string> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    return join(this.dir, `${TMP_PREFIX}${randomBytes(8).toString('hex')}`);
  }

  private async entries(): Promise<string[]> {
    try {
      return await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  /** Builds a file under a temporary name and renames it into place only when `make` succeeded. */
  private async build(target: string, make: (tmp: string) => Promise<void>): Promise<void> {
    const tmp = await this.tmpPath();
    try {
      await make(tmp);
      // Volume data is tenant data: readable by this service's user only.
      await chmod(tmp, 0o600);
      await rename(tmp, target);
    } finally {
      await rm(tmp, { force: true });
    }
  }

  private async copyAndGrow(source: string, v: VolumeSpec): Promise<void> {
    await this.build(this.volumePath(v.id), async (tmp) => {
      await copy(source, tmp);
      await this.resize(tmp, v);
    });
  }

  /** Grows to the spec's size; a file already that large is left as it is. */
  private async resize(file: string, v: VolumeSpec): Promise<void> {
    const size = `${v.sizeGiB}G`;
    if (v.passphrase) {
      const info = JSON.parse(await run('qemu-img', ['info', '--output=json', '--object', SECRET_OBJECT, '--image-opts', luksOpts(file)], v.passphrase)) as { 'virtual-size': number };
      if (info['virtual-size'] >= v.sizeGiB * GiB) return;
      await run('qemu-img', ['resize', '-q', '--object', SECRET_OBJECT, '--image-opts', luksOpts(file), size], v.passphrase);
    } else {
      const info = JSON.parse(await run('qemu-img', ['info', '--output=json', '-f', 'raw', file])) as { 'virtual-size': number };
      if (info['virtual-size'] >= v.sizeGiB * GiB) return;
      await run('qemu-img', ['resize', '-q', '-f', 'raw', file, size]);
    }
  }
}

/** A sparse byte copy: holes stay holes, a LUKS header and its key slots come along unchanged. */
function copy(source: string, target: string): Promise<string> {
  return run('cp', ['--sparse=always', '--reflink=auto', source, target]);
}
