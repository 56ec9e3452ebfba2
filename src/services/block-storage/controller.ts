import { uuid } from '../../platform/ids.ts';
import type { BlockStorageDeps, Logger } from './deps.ts';
import { nowIso } from './deps.ts';
import type { MessageSpec } from './messages.ts';

/**
 * Runs the slow half of an operation after the API has answered 202. A job that throws never
 * leaves its resource in a transitional status: `fail` records the error state and the fault,
 * and the owning project gets a user message saying what failed.
 */
export class Worker {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly log: Logger, private readonly record: (m: MessageSpec, requestId: string) => Promise<void>) {}

  run(what: Record<string, string>, message: MessageSpec, job: () => Promise<void>, fail: (fault: string) => Promise<void>): void {
    // Requests carry no id here, so each job gets one, in the `req-` form Cinder's messages show.
    const requestId = `req-${uuid()}`;
    const p = (async () => {
      // Let the request that queued the job commit and answer first.
      await new Promise((resolve) => setImmediate(resolve));
      try {
        await job();
      } catch (err) {
        this.log.error({ ...what, err }, 'block storage job failed');
        try {
          await fail(faultMessage(err));
          await this.record(message, requestId);
        } catch (recordErr) {
          this.log.error({ ...what, err: recordErr }, 'could not record the failure of a block storage job');
        }
      }
    })();
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
  }

  /** Resolves when no job runs, so shutdown never cuts one short needlessly. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }
}

function faultMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const INTERRUPTED = 'Interrupted by a restart of the block storage service.';

/**
 * Finishes what a crash cut short, before the API serves anything: nothing stays in a
 * transitional status, half-done deletes complete, partial backups lose their data, and files
 * no database row owns are removed. Running it twice changes nothing the second time.
 */
export async function recover(d: BlockStorageDeps, redo: { deleteVolume(id: string): Promise<void>; deleteSnapshot(id: string): Promise<void>; deleteBackup(id: string): Promise<void> }): Promise<void> {
  const now = nowIso();
  const db = d.db;
  await db.updateTable('volumes').set({ status: 'error', fault: INTERRUPTED, updated_at: now }).where('status', 'in', ['creating', 'downloading']).execute();
  await db.updateTable('volumes').set({ status: 'error_extending', fault: INTERRUPTED, updated_at: now }).where('status', '=', 'extending').execute();
  await db.updateTable('volumes').set({ status: 'error_restoring', fault: INTERRUPTED, updated_at: now }).where('status', '=', 'restoring-backup').execute();
  // A backup only reads its volume, so the volume is as good as before.
  await db.updateTable('volumes').set({ status: 'available', updated_at: now }).where('status', '=', 'backing-up').execute();
  await db.updateTable('volume_snapshots').set({ status: 'error', fault: INTERRUPTED, updated_at: now }).where('status', '=', 'creating').execute();
  await db.updateTable('volume_backups').set({ status: 'available', restore_volume_id: null, updated_at: now }).where('status', '=', 'restoring').execute();
  // A revert replaces the data in one rename, but which side of it a crash fell on is unknown.
  await db.updateTable('volumes').set({ status: 'error', fault: INTERRUPTED, updated_at: now }).where('status', '=', 'reverting').execute();
  await db.updateTable('volume_snapshots').set({ status: 'available', updated_at: now }).where('status', '=', 'restoring').execute();

  const broken = await db.selectFrom('volume_backups').select(['id', 'project_id']).where('status', '=', 'creating').execute();
  for (const { id, project_id } of broken) {
    await d.backups.delete({ id, projectId: project_id }); // its chunks are referenced by no manifest; reclaim them
    await db.updateTable('volume_backups').set({ status: 'error', fail_reason: INTERRUPTED, object_count: 0, updated_at: now }).where('id', '=', id).execute();
  }

  for (const { id } of await db.selectFrom('volumes').select('id').where('status', '=', 'deleting').execute()) await redo.deleteVolume(id);
  for (const { id } of await db.selectFrom('volume_snapshots').select('id').where('status', '=', 'deleting').execute()) await redo.deleteSnapshot(id);
  for (const { id } of await db.selectFrom('volume_backups').select('id').where('status', '=', 'deleting').execute()) await redo.deleteBackup(id);

  const removed = await d.driver.removeTemporaries();
  const held = await d.driver.list();
  const volumes = new Set((await db.selectFrom('volumes').select('id').execute()).map((r) => r.id));
  const snapshots = new Set((await db.selectFrom('volume_snapshots').select('id').execute()).map((r) => r.id));
  const backups = new Set((await db.selectFrom('volume_backups').select('id').execute()).map((r) => r.id));
  const orphans = { volumes: held.volumes.filter((id) => !volumes.has(id)), snapshots: held.snapshots.filter((id) => !snapshots.has(id)), backups: (await d.backups.list()).filter((id) => !backups.has(id)) };
  for (const id of orphans.volumes) await d.driver.delete(id);
  for (const id of orphans.snapshots) await d.driver.deleteSnapshot(id);
  // Listed backups have no row any more, so no project: only the directory store lists any.
  for (const id of orphans.backups) await d.backups.delete({ id, projectId: '' });
  if (removed + orphans.volumes.length + orphans.snapshots.length + orphans.backups.length + broken.length > 0) {
    d.log.info({ temporaries: removed, ...orphans, interruptedBackups: broken.map((b) => b.id) }, 'block storage recovered from an interrupted run');
  }
}
