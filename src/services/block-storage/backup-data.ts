import { volumeSpec, type BlockStorageDeps } from './deps.ts';
import type { VolumeTable } from './tables.ts';

/**
 * Replaces the volume's data with the backup's: the store fills a sparse raw file, the driver
 * makes it the volume's data (encrypting it for a LUKS volume). Shared by restore and by volume
 * create from a backup.
 */
export async function restoreBackupData(d: BlockStorageDeps, backupId: string, volume: VolumeTable): Promise<void> {
  const backup = await d.db.selectFrom('volume_backups').select('project_id').where('id', '=', backupId).executeTakeFirstOrThrow();
  const ref = { id: backupId, projectId: backup.project_id };
  const manifest = await d.backups.manifest(ref);
  await d.driver.replaceData(volumeSpec(d, volume), (rawPath) => d.backups.restore(ref, manifest, rawPath));
}
