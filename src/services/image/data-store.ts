import type { Readable } from 'node:stream';
import { BadRequest, NotFound, PayloadTooLarge } from '../../platform/errors.ts';

/**
 * Where image bytes live, as glance_store is to Glance: the image service decides what happens,
 * a data store keeps the bytes. Two areas per image id: `image` (the data an active image serves)
 * and `staging` (data put with `PUT /stage`, waiting for `POST /import`).
 *
 * Every write goes through a temporary file that is fsynced and renamed into place, so a crash at
 * any moment leaves either the complete previous state or the complete new one, plus temporaries
 * that `removeTemporaries` collects.
 */
export interface ImageDataStore {
  /**
   * Streams `data` into the area as the data of `id`, computing size and hashes on the way, and
   * replaces what was there. Afterwards the data is complete and durable; on any failure (the
   * source errors, the cap is exceeded, the disk fills) no temporary file is left and the area is
   * as before. Safe to retry.
   */
  write(area: DataArea, id: string, data: Readable, options: { maxSize: number }): Promise<StoredData>;

  /**
   * Moves staged data to the image area and hashes it. Idempotent: when the staged data is gone
   * but image data exists (a previous promote was interrupted after the move), hashes that.
   * Throws `ImageDataNotFound` when neither exists.
   */
  promote(id: string): Promise<StoredData>;

  /**
   * Opens the image data for reading: all of it, or only the bytes `range.start` to `range.end`
   * (inclusive, within the data: callers resolve ranges against the image size first). The stream
   * reads from disk as it is consumed, never holding the data in memory. Throws
   * `ImageDataNotFound` when there is none; afterwards the caller owns the stream and must consume
   * or destroy it.
   */
  read(id: string, range?: ByteRange): Promise<Readable>;

  /**
   * What `qemu-img` sees in the image data, read as the declared disk format (never probed, so a
   * raw image cannot pose as qcow2 with a backing file). Formats qemu does not read give
   * `virtualSize: null`. Throws `InvalidImageData` when the data is not in the declared format or
   * refers to other files.
   */
  inspect(id: string, diskFormat: string): Promise<{ virtualSize: number | null }>;

  exists(area: DataArea, id: string): Promise<boolean>;

  /** Removes the data of `id` in the area; removing absent data succeeds. */
  delete(area: DataArea, id: string): Promise<void>;

  /** Ids that have data in the area, for collecting orphans after a crash. */
  list(area: DataArea): Promise<string[]>;

  /** Deletes temporaries of writes that never finished (a crash mid-upload); returns how many. */
  removeTemporaries(): Promise<number>;
}

export type DataArea = 'image' | 'staging';

/** Bytes `start` through `end` of the image data, both inclusive as in `Content-Range`. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface StoredData {
  size: number;
  /** md5 hex digest: Glance's legacy `checksum`. */
  checksum: string;
  hashAlgo: 'sha512';
  hashValue: string;
}

export class ImageDataNotFound extends NotFound {}

/** The disk is full (Glance answers 413 `Image storage media is full`). */
export class StorageFull extends PayloadTooLarge {}

export class ImageTooLarge extends PayloadTooLarge {}

export class InvalidImageData extends BadRequest {}

/** The source stream failed (the client went away); nothing was stored. */
export class UploadInterrupted extends BadRequest {}
