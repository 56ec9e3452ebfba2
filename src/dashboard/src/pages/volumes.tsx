import { useState } from 'react';
import { call, type Named, type Session } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import { useSession } from '../session.tsx';
import { ErrorNote, Field, Page, StatusBadge, Table, useAction, useLoad } from '../ui.tsx';
import { ConfirmButton, label, listServers, Tabs, type Server } from './network-common.tsx';
import { VolumeActionForm, type VolumeAction } from './volume-actions.tsx';
import { Backups, Snapshots } from './volume-copies.tsx';
import { cinder, pollWhileBusy, volumeName, type Snapshot, type Volume } from './volume-common.ts';

interface Data {
  volumes: Volume[];
  servers: Server[];
  types: Named[];
  images: Named[];
  snapshots: Snapshot[];
}

async function load(session: Session): Promise<Data> {
  const [volumes, servers, types, images, snapshots] = await Promise.all([
    cinder<{ volumes: Volume[] }>(session, '/volumes/detail').then((r) => r.volumes),
    listServers(session),
    cinder<{ volume_types: Named[] }>(session, '/types').then((r) => r.volume_types),
    call<{ images: Named[] }>(session, 'image', '/v2/images?status=active').then((r) => r.images),
    cinder<{ snapshots: Snapshot[] }>(session, '/snapshots/detail').then((r) => r.snapshots),
  ]);
  return { volumes, servers, types, images, snapshots };
}

function CreateVolume({ data, onDone }: { data: Data; onDone: () => void }) {
  const { t } = useI18n();
  const session = useSession();
  const action = useAction();
  const [name, setName] = useState('');
  const [size, setSize] = useState(1);
  const [type, setType] = useState('');
  const [source, setSource] = useState<'none' | 'image' | 'snapshot'>('none');
  const [sourceId, setSourceId] = useState('');
  const sources = source === 'image' ? data.images : data.snapshots.filter((s) => s.status === 'available').map((s) => ({ id: s.id, name: volumeName(s) }));
  const submit = () => action.run(async () => {
    const volume: Record<string, unknown> = { name, size };
    if (type) volume.volume_type = type;
    if (source === 'image') volume.imageRef = sourceId;
    if (source === 'snapshot') volume.snapshot_id = sourceId;
    await cinder(session, '/volumes', { method: 'POST', body: { volume } });
    onDone();
  });
  return (
    <form className="form" onSubmit={(e) => { e.preventDefault(); void submit(); }} data-testid="volume-create-form">
      <div className="row">
        <Field label={t('Name')}><input required value={name} onChange={(e) => setName(e.target.value)} data-testid="volume-name" /></Field>
        <Field label={t('Size (GiB)')}><input type="number" min={1} required value={size} onChange={(e) => setSize(Number(e.target.value))} data-testid="volume-size" /></Field>
        <Field label={t('Type')}>
          <select value={type} onChange={(e) => setType(e.target.value)} data-testid="volume-type">
            <option value="">{t('Default')}</option>
            {data.types.map((ty) => <option key={ty.id} value={ty.name}>{ty.name}</option>)}
          </select>
        </Field>
      </div>
      <div className="row">
        <Field label={t('Source')}>
          <select value={source} onChange={(e) => { setSource(e.target.value as typeof source); setSourceId(''); }} data-testid="volume-source">
            <option value="none">{t('Empty volume')}</option>
            <option value="image">{t('Image')}</option>
            <option value="snapshot">{t('Snapshot')}</option>
          </select>
        </Field>
        {source !== 'none' && (
          <Field label={source === 'image' ? t('Image') : t('Snapshot')}>
            <select required value={sourceId} onChange={(e) => setSourceId(e.target.value)} data-testid="volume-source-id">
              <option value="">—</option>
              {sources.map((s) => <option key={s.id} value={s.id}>{label(s)}</option>)}
            </select>
          </Field>
        )}
      </div>
      <ErrorNote message={action.error} />
      <div className="row">
        <button className="primary" disabled={action.busy} data-testid="volume-create-submit">{t('Create volume')}</button>
      </div>
    </form>
  );
}

function VolumeList() {
  const { t } = useI18n();
  const session = useSession();
  const { data, error, reload } = useLoad(() => load(session), [session.project.id], (d) => pollWhileBusy(d.volumes));
  const [creating, setCreating] = useState(false);
  const [pending, setPending] = useState<{ kind: VolumeAction; volume: Volume } | null>(null);
  const action = useAction();
  const serverName = (id: string) => label(data?.servers.find((s) => s.id === id) ?? { id, name: '' });
  const act = (fn: () => Promise<unknown>) => action.run(fn).then(() => reload());
  const detach = (v: Volume) => act(() => Promise.all(v.attachments.map((a) =>
    call(session, 'compute', `/servers/${a.server_id}/os-volume_attachments/${v.id}`, { method: 'DELETE' }))));
  const open = (kind: VolumeAction, volume: Volume) => { setCreating(false); setPending({ kind, volume }); };
  return (
    <>
      <div className="row">
        <button className="primary" data-testid="volume-create" onClick={() => { setPending(null); setCreating(!creating); }}>{t('Create volume')}</button>
      </div>
      {creating && data && <CreateVolume data={data} onDone={() => { setCreating(false); void reload(); }} />}
      {pending && data && (
        <VolumeActionForm {...pending} servers={data.servers} onClose={() => setPending(null)} onDone={() => { setPending(null); void reload(); }} />
      )}
      <ErrorNote message={error ?? action.error} />
      <Table
        rows={data?.volumes}
        rowKey={(v) => v.id}
        testId="volumes-table"
        filterText={(v) => `${v.name} ${v.id} ${v.status}`}
        columns={[
          { title: t('Name'), cell: (v) => <span data-testid={`volume-${volumeName(v)}`}>{volumeName(v)}</span> },
          { title: t('Size'), cell: (v) => `${v.size} GiB` },
          { title: t('Type'), cell: (v) => v.volume_type ?? '' },
          { title: t('Status'), cell: (v) => <span data-testid={`volume-status-${volumeName(v)}`}><StatusBadge status={v.status} /></span> },
          { title: t('Attached to'), cell: (v) => v.attachments.map((a) => `${serverName(a.server_id)}${a.device ? ` (${a.device})` : ''}`).join(', ') },
          {
            title: t('Actions'),
            cell: (v) => {
              const id = volumeName(v);
              const idle = ['available', 'in-use'].includes(v.status);
              const detachFirst = v.status === 'in-use' ? t('Detach the volume first.') : undefined;
              return (
                <div className="row actions">
                  {v.status === 'available' && <button data-testid={`volume-attach-${id}`} onClick={() => open('attach', v)}>{t('Attach')}</button>}
                  {v.status === 'in-use' && <button data-testid={`volume-detach-${id}`} disabled={action.busy} onClick={() => void detach(v)}>{t('Detach')}</button>}
                  {/* This cloud extends and backs up only detached volumes. */}
                  <button data-testid={`volume-extend-${id}`} disabled={v.status !== 'available'} title={detachFirst} onClick={() => open('extend', v)}>{t('Extend')}</button>
                  <button data-testid={`volume-snapshot-${id}`} disabled={!idle} onClick={() => open('snapshot', v)}>{t('Snapshot')}</button>
                  <button data-testid={`volume-backup-${id}`} disabled={v.status !== 'available'} title={detachFirst} onClick={() => open('backup', v)}>{t('Backup')}</button>
                  <ConfirmButton label={t('Delete')} testId={`volume-delete-${id}`} disabled={v.status === 'in-use'}
                    onConfirm={() => void act(() => cinder(session, `/volumes/${v.id}`, { method: 'DELETE' }))} />
                </div>
              );
            },
          },
        ]}
      />
    </>
  );
}

type Tab = 'volumes' | 'snapshots' | 'backups';

export function Volumes({ params }: { params: URLSearchParams }) {
  const { t } = useI18n();
  const initial = params.get('tab');
  const [tab, setTab] = useState<Tab>(initial === 'snapshots' || initial === 'backups' ? initial : 'volumes');
  return (
    <Page title={t('Volumes')}>
      <Tabs tabs={[['volumes', t('Volumes')], ['snapshots', t('Snapshots')], ['backups', t('Backups')]]} current={tab} onChange={setTab} />
      {tab === 'volumes' && <VolumeList />}
      {tab === 'snapshots' && <Snapshots />}
      {tab === 'backups' && <Backups />}
    </Page>
  );
}
