import type { Readable } from 'node:stream';
import { SovError } from '../../platform/errors.ts';

/**
 * The data plane of block storage, as Nova's `virt/driver.py` is to compute: the service decides
 * what should exist, a driver makes it so on some backend (files and `qemu-img` by default, a
 * cluster later). Ids are the service's UUIDs; where and how a volume is stored never leaves the
 * driver, except through `connectionInfo`, which is meant for the host that attaches it.
 *
 * Every method is documented by the state it leaves behind. Methods that create leave either the
 * complete new object or nothing (no partial file); deleting something absent succeeds, so every
 * call is safe to retry after a crash.
 */
export interface VolumeDriver {
  readonly capabilities: VolumeDriverCapabilities;

  /** Afterwards a volume of `sizeGiB` exists whose guest-visible data is blank. */
  create(volume: VolumeSpec): Promise<void>;

  /**
   * Afterwards the volume exists with the snapshot's data, grown to `sizeGiB` when larger. An
   * encrypted snapshot yields a volume with the same passphrase (`volume.passphrase` must be it).
   */
  createFromSnapshot(volume: VolumeSpec, snapshotId: string): Promise<void>;

  /**
   * Afterwards the volume exists holding the guest-visible data of `image`, read as Glance's
   * `diskFormat` (never probed), zero-padded to `sizeGiB` and encrypted if the volume is. The
   * stream is read to its end or destroyed; whatever the driver spooled it to is gone afterwards,
   * whether the import succeeded or not. Throws `VolumeBackendError`, leaving no volume, when the
   * data is not in that format, refers to other files, or does not fit in `sizeGiB`.
   */
  importImage(volume: VolumeSpec, image: Readable, diskFormat: string): Promise<void>;

  /** Afterwards the volume is an independent copy of `sourceId`, grown to `sizeGiB` when larger. */
  clone(volume: VolumeSpec, sourceId: string, source: VolumeSpec): Promise<void>;

  /** Afterwards the volume's guest-visible size is `volume.sizeGiB`; data below the old size is kept. */
  extend(volume: VolumeSpec): Promise<void>;

  /** Afterwards the volume and its data are gone. Deleting an unknown volume succeeds. */
  delete(volumeId: string): Promise<void>;

  /** Afterwards a point-in-time copy of the volume exists that later writes to it do not change. */
  createSnapshot(snapshotId: string, volumeId: string): Promise<void>;

  /**
   * Afterwards the volume's data is the snapshot's (the snapshot is of the volume's size and was
   * taken of it, so an encrypted one has the volume's passphrase); on failure the volume keeps its
   * old data. The snapshot is unchanged and the volume must not be attached.
   */
  revertToSnapshot(volume: VolumeSpec, snapshotId: string): Promise<void>;

  /** Afterwards the snapshot is gone; deleting an unknown snapshot succeeds. */
  deleteSnapshot(snapshotId: string): Promise<void>;

  /**
   * Hands `use` the path of a raw file holding the volume's guest-visible bytes (decrypted), valid
   * only while `use` runs; afterwards any temporary copy is removed, whether `use` failed or not.
   * The volume must not change meanwhile (the service keeps it in `backing-up`).
   */
  withRawData<T>(volume: VolumeSpec, use: (rawPath: string) => Promise<T>): Promise<T>;

  /**
   * Hands `fill` the path of an empty sparse raw file of the volume's size; when `fill` succeeds
   * its content becomes the volume's guest-visible data (encrypted if the volume is). When `fill`
   * fails the volume's data is undefined and the temporary file is removed.
   */
  replaceData(volume: VolumeSpec, fill: (rawPath: string) => Promise<void>): Promise<void>;

  /** How a host reaches the volume, for the attachments API (Cinder's `connection_info`). */
  connectionInfo(volume: VolumeSpec): Record<string, unknown>;

  /** Volume and snapshot ids the backend holds, to find what a crash left without a database row. */
  list(): Promise<{ volumes: string[]; snapshots: string[] }>;

  /** Removes temporaries of operations that never finished; returns how many. */
  removeTemporaries(): Promise<number>;
}

export interface VolumeDriverCapabilities {
  /** LUKS volumes whose data is encrypted with the volume's passphrase. */
  encryption: boolean;
}

export interface VolumeSpec {
  id: string;
  sizeGiB: number;
  /** The LUKS passphrase of an encrypted volume (plain text, never logged); absent for plain volumes. */
  passphrase?: Buffer;
}

/** A backend command failed; the message says which and why, for the resource's fault. */
export class VolumeBackendError extends SovError {}
