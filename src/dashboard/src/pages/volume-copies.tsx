import { useState } from 'react';
import type { Session } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import { useSession } from '../session.tsx';
import { ErrorNote, Field, StatusBadge, Table, useAction, useLoad } from '../ui.tsx';
import { ConfirmButton } from './network-common.tsx';
import { cinder, pollWhileBusy, volumeName, type Backup, type Snapshot, type Volume } from './volume-common.ts';

/** Snapshots and backups are both copies of a volume that can become a new volume again. */
interface Kind {
  key: 'snapshot' | 'backup';
  list: (s: Session) => Promise<(Snapshot | Backup)[]>;
  /** English label of the action that turns the copy into a new volume. */
  makeLabel: string;
  make: (s: Session, copy: Snapshot | Backup, name: string) => Promise<unknown>;
}

const SNAPSHOT: Kind = {
  key: 'snapshot',
  list: async (s) => (await cinder<{ snapshots: Snapshot[] }>(s, '/snapshots/detail')).snapshots,
  makeLabel: 'Create volume',
  make: (s, c, name) => cinder(s, '/volumes', { method: 'POST', body: { volume: { name, size: c.size, snapshot_id: c.id } } }),
};

const BACKUP: Kind = {
  key: 'backup',
  list: async (s) => (await cinder<{ backups: Backup[] }>(s, '/backups/detail')).backups,
  makeLabel: 'Restore',
  make: (s, c, name) => cinder(s, `/backups/${c.id}/restore`, { method: 'POST', body: { restore: { name } } }),
};

function CopyList({ kind }: { kind: Kind }) {
  const { t } = useI18n();
  const session = useSession();
  const { data, error, reload } = useLoad(async () => {
    const [copies, volumes] = await Promise.all([kind.list(session), cinder<{ volumes: Volume[] }>(session, '/volumes').then((r) => r.volumes)]);
    return { copies, volumes };
  }, [session.project.id, kind.key], (d) => pollWhileBusy(d.copies));
  const action = useAction();
  const [making, setMaking] = useState<{ copy: Snapshot | Backup; name: string } | null>(null);
  const source = (id: string) => volumeName(data?.volumes.find((v) => v.id === id) ?? { id, name: null });
  const act = (fn: () => Promise<unknown>) => action.run(fn).then((ok) => { if (ok) setMaking(null); void reload(); });
  return (
    <>
      {making && (
        <form className="form" data-testid={`${kind.key}-make-form`} onSubmit={(e) => { e.preventDefault(); void act(() => kind.make(session, making.copy, making.name)); }}>
          <b>{t(kind.makeLabel)}: {volumeName(making.copy)}</b>
          <Field label={t('New volume name')}>
            <input required value={making.name} onChange={(e) => setMaking({ ...making, name: e.target.value })} data-testid={`${kind.key}-make-name`} />
          </Field>
          <div className="row">
            <button className="primary" disabled={action.busy} data-testid={`${kind.key}-make-submit`}>{t(kind.makeLabel)}</button>
            <button type="button" onClick={() => setMaking(null)}>{t('Cancel')}</button>
          </div>
        </form>
      )}
      <ErrorNote message={error ?? action.error} />
      <Table
        rows={data?.copies}
        rowKey={(c) => c.id}
        testId={`${kind.key}s-table`}
        filterText={(c) => `${c.name} ${c.id} ${c.status}`}
        columns={[
          { title: t('Name'), cell: (c) => <span data-testid={`${kind.key}-${volumeName(c)}`}>{volumeName(c)}</span> },
          { title: t('Volume'), cell: (c) => source(c.volume_id) },
          { title: t('Size'), cell: (c) => `${c.size} GiB` },
          { title: t('Status'), cell: (c) => <span data-testid={`${kind.key}-status-${volumeName(c)}`}><StatusBadge status={c.status} /></span> },
          { title: t('Created'), cell: (c) => new Date(c.created_at).toLocaleString() },
          {
            title: t('Actions'),
            cell: (c) => (
              <div className="row actions">
                <button data-testid={`${kind.key}-make-${volumeName(c)}`} disabled={c.status !== 'available'}
                  onClick={() => setMaking({ copy: c, name: `${volumeName(c)}-volume` })}>{t(kind.makeLabel)}</button>
                <ConfirmButton label={t('Delete')} testId={`${kind.key}-delete-${volumeName(c)}`}
                  onConfirm={() => void act(() => cinder(session, `/${kind.key}s/${c.id}`, { method: 'DELETE' }))} />
              </div>
            ),
          },
        ]}
      />
    </>
  );
}

export const Snapshots = () => <CopyList kind={SNAPSHOT} />;
export const Backups = () => <CopyList kind={BACKUP} />;
