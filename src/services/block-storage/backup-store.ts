import { NotFound, SovError } from '../../platform/errors.ts';

/** A backup as its store knows it: stores keep each project's backups in the project's own space. */
export interface BackupRef {
  id: string;
  projectId: string;
}

/**
 * Where backups live, apart from the volumes (scs-0117): the object storage, as Cinder's chunked
 * backup drivers keep them; backups written to a directory by earlier versions stay readable. A backup is the volume's guest-visible bytes cut into fixed-size chunks, each compressed
 * and sha256-checksummed; an incremental backup stores only the chunks that differ from its
 * parent and refers to the parent's for the rest.
 *
 * A backup becomes visible only when its manifest is written, last and atomically: a crash at any
 * moment leaves either a complete backup or chunks no manifest refers to, which `delete` removes.
 */
export interface BackupStore {
  /**
   * Reads the raw file at `rawPath` and stores it as backup `backupId`. With `parent`, chunks whose
   * checksum equals the parent's chunk at the same offset are not stored again. Afterwards the
   * backup is complete and durable and its manifest returned; on failure nothing of it is
   * referenced (call `delete` to reclaim the space). Safe to retry after `delete`.
   */
  write(backup: BackupRef, rawPath: string, parent?: BackupManifest): Promise<BackupManifest>;

  /** The manifest of a complete backup; throws `BackupDataMissing` when there is none. */
  manifest(backup: BackupRef): Promise<BackupManifest>;

  /**
   * Writes the backup's data into the raw file at `rawPath` (which exists, is sparse and at least
   * as large), verifying every chunk's checksum; throws `BackupDataCorrupt` on a mismatch.
   */
  restore(backup: BackupRef, manifest: BackupManifest, rawPath: string): Promise<void>;

  /** Afterwards nothing of the backup is stored. Deleting an unknown backup succeeds. */
  delete(backup: BackupRef): Promise<void>;

  /** Ids of backups with stored data, complete or not, to collect orphans after a crash. */
  list(): Promise<string[]>;
}

export interface BackupManifest {
  backupId: string;
  /** Bytes of guest-visible data. */
  size: number;
  chunkSize: number;
  /** One entry per chunk in offset order. */
  chunks: BackupChunk[];
  /** Which store holds the chunks: the object storage, or (absent) the directory of earlier versions. */
  location?: 'objects';
}

export interface BackupChunk {
  /** sha256 of the uncompressed chunk; chunks of zeros are not stored and have `zero: true`. */
  sha256: string;
  zero: boolean;
  /** The backup whose store holds this chunk: this one, or an ancestor for an unchanged chunk. */
  storedIn: string;
}

export class BackupDataMissing extends NotFound {}

/** A stored chunk no longer matches its checksum: the backup cannot be restored faithfully. */
export class BackupDataCorrupt extends SovError {}
