import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, readdir, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { VolumeBackendError, type VolumeDriver, type VolumeSpec } from '../../services/block-storage/driver.ts';
import { luksOpts, run, SECRET_OBJECT } from './qemu.ts';

const GiB = 1024 ** 3;
const TMP_PREFIX = '.tmp-';
const ID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const NAME = new RegExp(`^(volume|snapshot)-(${ID})$`);
/** Glance disk formats as qemu names them (Cinder's `fixup_disk_format`); the rest qemu cannot read. */
const QEMU_FORMATS: Record<string, string> = { raw: 'raw', iso: 'raw', ami: 'raw', qcow2: 'qcow2', vmdk: 'vmdk', vdi: 'vdi', vhd: 'vpc', vhdx: 'vhdx', ploop: 'parallels' };

interface ImageInfo {
  'virtual-size': number;
  'backing-filename'?: string;
  'format-specific'?: { data?: { 'data-file'?: string } };
}

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
        await this.createLuks(tmp, v.sizeGiB, v.passphrase);
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

  async importImage(v: VolumeSpec, image: Readable, diskFormat: string): Promise<void> {
    const format = QEMU_FORMATS[diskFormat];
    // qemu-img seeks in its input (qcow2 tables), so the stream lands in a file first; a crash
    // leaves it as a temporary that removeTemporaries collects.
    const spool = await this.tmpPath();
    try {
      if (format === undefined) throw new VolumeBackendError(`Image disk format ${diskFormat} cannot be converted to a volume.`);
      await pipeline(image, createWriteStream(spool, { mode: 0o600 }));
      await checkImage(spool, format, v.sizeGiB);
      await this.build(this.volumePath(v.id), async (tmp) => {
        if (v.passphrase) {
          await this.createLuks(tmp, v.sizeGiB, v.passphrase);
          await run('qemu-img', ['convert', '-n', '--object', SECRET_OBJECT, '-f', format, spool, '--target-image-opts', luksOpts(tmp)], v.passphrase);
        } else {
          await run('qemu-img', ['convert', '-q', '-f', format, '-O', 'raw', spool, tmp]);
          await this.resize(tmp, v);
        }
      });
    } finally {
      image.destroy();
      await rm(spool, { force: true });
    }
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

  async revertToSnapshot(v: VolumeSpec, snapshotId: string): Promise<void> {
    // A snapshot is a byte copy of the volume file, LUKS header included, so a copy of it renamed
    // over the volume is the revert; the rename makes it all-or-nothing.
    await this.copyAndGrow(this.snapshotPath(snapshotId), v);
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

  private async createLuks(file: string, sizeGiB: number, passphrase: Buffer): Promise<void> {
    // The passphrase is 256 random bits, so PBKDF stretching adds nothing but start-up time. QEMU
    // times its PBKDF with the process's CPU usage, which this kind of host sometimes reports too
    // coarsely ("Unable to get accurate CPU usage"): that failure is worth a few more tries.
    for (let attempt = 1; ; attempt++) {
      try {
        await run('qemu-img', ['create', '-q', '--object', SECRET_OBJECT, '-f', 'luks', '-o', 'key-secret=sec0,iter-time=100', file, `${sizeGiB}G`], passphrase);
        return;
      } catch (err) {
        if (attempt >= 5 || !String((err as Error).message).includes('accurate CPU usage')) throw err;
      }
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

/**
 * Refuses image data qemu does not read as `format`, data that would make qemu open other files
 * (a backing file or an external data file could be any file of this host), and data larger than
 * the volume, with Cinder's words for the last.
 */
async function checkImage(file: string, format: string, sizeGiB: number): Promise<void> {
  const info = JSON.parse(await run('qemu-img', ['info', '--output=json', '-f', format, file])) as ImageInfo;
  if (info['backing-filename'] !== undefined || info['format-specific']?.data?.['data-file'] !== undefined) {
    throw new VolumeBackendError('Image refers to other files (a backing or data file) and cannot be converted to a volume.');
  }
  const needGiB = Math.ceil(info['virtual-size'] / GiB);
  if (needGiB > sizeGiB) throw new VolumeBackendError(`Image virtual size is ${needGiB}GB and doesn't fit in a volume of size ${sizeGiB}GB.`);
}

/** A sparse byte copy: holes stay holes, a LUKS header and its key slots come along unchanged. */
function copy(source: string, target: string): Promise<string> {
  return run('cp', ['--sparse=always', '--reflink=auto', source, target]);
}
