import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, launchCloud, login, waitForGone, waitForStatus, type Cloud, type Session } from './cloud.ts';
import { formatTable, MiB, sync, timed } from './tools.ts';

const VOLUME_GIB = 1;
const SIZE = VOLUME_GIB * 1024 * MiB;
/** The first half compresses to almost nothing, the second half not at all. */
const PATTERN_MIB = 512;
const JOB_TIMEOUT_MS = 120_000;

interface Resource {
  id: string;
  status: string;
}

/** Cinder backup and restore of a 1 GiB volume on a real `sovcloud up`, against `gzip -c` / `gunzip -c` of the same file. */
export async function run(): Promise<void> {
  const cloud = await launchCloud();
  const work = mkdtempSync(join(tmpdir(), 'sovcloud-bench-backup-'));
  try {
    await measure(cloud, await login(cloud), work);
  } finally {
    rmSync(work, { recursive: true, force: true });
    console.log(`sovcloud stopped: ${await cloud.close()}`);
  }
}

async function measure(cloud: Cloud, session: Session, work: string): Promise<void> {
  const v3 = `/volume/v3/${session.projectId}`;
  const volumeStatus = (id: string) => async () => (await api<{ volume: Resource }>(cloud, session, 'GET', `${v3}/volumes/${id}`)).volume.status;
  const backupStatus = (id: string) => async () => (await api<{ backup: Resource }>(cloud, session, 'GET', `${v3}/backups/${id}`)).backup.status;
  const volumeFile = (id: string) => join(cloud.stateDir, 'volumes', `volume-${id}`);

  const source = (await api<{ volume: Resource }>(cloud, session, 'POST', `${v3}/volumes`, { volume: { size: VOLUME_GIB, name: 'bench-backup-source' } }, [202])).volume;
  await waitForStatus(`volume ${source.id}`, volumeStatus(source.id), 'available', JOB_TIMEOUT_MS);
  const sourceFile = volumeFile(source.id);
  if (statSync(sourceFile).size !== SIZE) throw new Error(`${sourceFile} is ${statSync(sourceFile).size} bytes, expected a raw ${SIZE}-byte volume`);
  await timed('qemu-io', ['-f', 'raw', '-c', `write -P 0x5a 0 ${PATTERN_MIB}M`, sourceFile]);
  await timed('dd', ['if=/dev/urandom', `of=${sourceFile}`, 'bs=1M', `seek=${PATTERN_MIB}`, `count=${SIZE / MiB - PATTERN_MIB}`, 'conv=notrunc', 'iflag=fullblock', 'status=none']);
  console.log(`backup benchmark: ${VOLUME_GIB} GiB raw volume, ${PATTERN_MIB} MiB of 0x5a then random data; one run each; ` +
    'baselines write their output on the same filesystem; dirty pages written back (sync) before each measurement');

  await sync();
  let t0 = performance.now();
  const backup = (await api<{ backup: Resource }>(cloud, session, 'POST', `${v3}/backups`, { backup: { volume_id: source.id, name: 'bench-backup' } }, [202])).backup;
  await waitForStatus(`backup ${backup.id}`, backupStatus(backup.id), 'available', JOB_TIMEOUT_MS);
  const backupMs = performance.now() - t0;
  await waitForStatus(`volume ${source.id} after its backup`, volumeStatus(source.id), 'available', JOB_TIMEOUT_MS);
  const backupDir = join(cloud.stateDir, 'backups', backup.id);
  const storedBytes = readdirSync(backupDir).reduce((sum, name) => sum + statSync(join(backupDir, name)).size, 0);

  await sync();
  t0 = performance.now();
  const restore = (await api<{ restore: { volume_id: string } }>(cloud, session, 'POST', `${v3}/backups/${backup.id}/restore`, { restore: { name: 'bench-restored' } }, [202])).restore;
  await waitForStatus(`restored volume ${restore.volume_id}`, volumeStatus(restore.volume_id), 'available', JOB_TIMEOUT_MS);
  const restoreMs = performance.now() - t0;
  await waitForStatus(`backup ${backup.id} after the restore`, backupStatus(backup.id), 'available', JOB_TIMEOUT_MS);
  await timed('cmp', [sourceFile, volumeFile(restore.volume_id)]); // throws unless byte-identical

  // The same file through gzip and back; the backup store compresses at level 1, `gzip -c` at 6, which
  // on this data (half one repeated byte, half incompressible) costs about the same.
  const packed = join(work, 'volume.gz');
  const unpacked = join(work, 'volume.raw');
  await sync();
  const gzipMs = await timed('gzip', ['-c', sourceFile], { stdoutTo: packed });
  const gzipBytes = statSync(packed).size;
  await sync();
  const gunzipMs = await timed('gunzip', ['-c', packed], { stdoutTo: unpacked });
  await timed('cmp', [sourceFile, unpacked]);
  rmSync(packed);
  rmSync(unpacked);

  const s = (ms: number) => (ms / 1000).toFixed(2);
  console.log(formatTable(['operation', 'sovcloud s', 'baseline', 'baseline s', 'ratio'], [
    ['volume backup', s(backupMs), 'gzip -c', s(gzipMs), (backupMs / gzipMs).toFixed(3)],
    ['restore to a new volume', s(restoreMs), 'gunzip -c', s(gunzipMs), (restoreMs / gunzipMs).toFixed(3)],
  ]));
  const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;
  console.log(`stored: sovcloud backup ${mib(storedBytes)}, gzip -c ${mib(gzipBytes)}; restored volume and gunzip output byte-identical ` +
    'to the source (cmp); ratio = sovcloud time / baseline time, lower is better');

  await api(cloud, session, 'DELETE', `${v3}/backups/${backup.id}`, undefined, [202]);
  await waitForGone(cloud, session, `${v3}/backups/${backup.id}`, JOB_TIMEOUT_MS);
  for (const id of [source.id, restore.volume_id]) {
    await api(cloud, session, 'DELETE', `${v3}/volumes/${id}`, undefined, [202]);
    await waitForGone(cloud, session, `${v3}/volumes/${id}`, JOB_TIMEOUT_MS);
  }
  const left = [backupDir, sourceFile, volumeFile(restore.volume_id)].filter((p) => existsSync(p));
  if (left.length > 0) throw new Error(`deleted, but still on disk: ${left.join(', ')}`);
}
