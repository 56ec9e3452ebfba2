import { volumeSpec, type BlockStorageDeps } from './deps.ts';
import type { VolumeTable } from './tables.ts';

/**
 * Replaces the volume's data with the backup's: the store fills a sparse raw file, the driver
 * makes it the volume's data (encrypting it for a LUKS volume). Shared by restore and by volume
 * create from a backup.
 */
export async function restoreBackupData(d: BlockStorageDeps, backupId: string, volume: VolumeTable): Promise<void> {
  const manifest = await d.backups.manifest(backupId);
  await d.driver.replaceData(volumeSpec(d, volume), (rawPath) => d.backups.restore(manifest, rawPath));
}
