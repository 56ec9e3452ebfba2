import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { BackupDataCorrupt, type BackupChunk, type BackupManifest } from '../../services/block-storage/backup-store.ts';

const zip = promisify(gzip);
const unzip = promisify(gunzip);
const CHUNK = 4 * 1024 * 1024;
const ZEROS = Buffer.alloc(CHUNK);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * Cinder's chunked backup, whatever keeps the chunks: the raw volume cut into 4 MiB chunks,
 * each sha256-checksummed and gzipped. Zero chunks are not stored, so a sparse 1 GiB volume's
 * backup is as small as its data; with `parent`, a chunk equal to the parent's at the same offset
 * is not stored again and refers to the parent's copy. `store` keeps one compressed chunk.
 */
export async function writeChunks(backupId: string, rawPath: string, parent: BackupManifest | undefined, store: (index: number, gz: Buffer) => Promise<void>): Promise<BackupManifest> {
  const source = await open(rawPath, 'r');
  try {
    const size = (await source.stat()).size;
    const chunks: BackupChunk[] = [];
    const buf = Buffer.alloc(CHUNK);
    for (let index = 0; index * CHUNK < size; index++) {
      const want = Math.min(CHUNK, size - index * CHUNK);
      const { bytesRead } = await source.read(buf, 0, want, index * CHUNK);
      if (bytesRead !== want) throw new Error(`short read at chunk ${index} of ${rawPath}`);
      const data = buf.subarray(0, want);
      const hash = sha256(data);
      if (data.equals(ZEROS.subarray(0, want))) {
        chunks.push({ sha256: hash, zero: true, storedIn: backupId });
        continue;
      }
      const before = parent?.chunks[index];
      if (before && !before.zero && before.sha256 === hash) {
        chunks.push({ sha256: hash, zero: false, storedIn: before.storedIn });
        continue;
      }
      await store(index, await zip(data, { level: 1 }));
      chunks.push({ sha256: hash, zero: false, storedIn: backupId });
    }
    return { backupId, size, chunkSize: CHUNK, chunks };
  } finally {
    await source.close();
  }
}

/**
 * Writes every stored chunk into the raw file at `rawPath` (sparse, so zero chunks need nothing),
 * verifying each against its checksum; `load` fetches one compressed chunk.
 */
export async function restoreChunks(manifest: BackupManifest, rawPath: string, load: (chunk: BackupChunk, index: number) => Promise<Buffer>): Promise<void> {
  const target = await open(rawPath, 'r+');
  try {
    for (const [index, chunk] of manifest.chunks.entries()) {
      if (chunk.zero) continue;
      let data: Buffer;
      try {
        data = await unzip(await load(chunk, index));
      } catch (err) {
        throw new BackupDataCorrupt(`Chunk ${index} of backup ${manifest.backupId} is unreadable.`, { cause: err });
      }
      if (sha256(data) !== chunk.sha256) throw new BackupDataCorrupt(`Chunk ${index} of backup ${manifest.backupId} fails its checksum.`);
      await target.write(data, 0, data.length, index * manifest.chunkSize);
    }
    await target.sync();
  } finally {
    await target.close();
  }
}
