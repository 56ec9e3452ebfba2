import { useState } from 'react';
import { call } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import { useSession } from '../session.tsx';
import { ErrorNote, Field, useAction } from '../ui.tsx';
import { label, type Server } from './network-common.tsx';
import { cinder, volumeName, type Volume } from './volume-common.ts';

export type VolumeAction = 'attach' | 'extend' | 'snapshot' | 'backup';

const TITLES: Record<VolumeAction, string> = {
  attach: 'Attach {name} to an instance',
  extend: 'Extend {name}',
  snapshot: 'Snapshot of {name}',
  backup: 'Backup of {name}',
};

/** One form for the per-volume actions that need an input: an instance, a new size or a name. */
export function VolumeActionForm({ kind, volume, servers, onClose, onDone }: {
  kind: VolumeAction;
  volume: Volume;
  servers: Server[];
  onClose: () => void;
  onDone: () => void;
}) {
  const { t } = useI18n();
  const session = useSession();
  const action = useAction();
  const [server, setServer] = useState('');
  const [size, setSize] = useState(volume.size + 1);
  const [name, setName] = useState(`${volumeName(volume)}-${kind}`);
  // A snapshot of an attached volume is taken while it runs: that is what `force` allows.
  const requests: Record<VolumeAction, () => Promise<unknown>> = {
    attach: () => call(session, 'compute', `/servers/${server}/os-volume_attachments`, { method: 'POST', body: { volumeAttachment: { volumeId: volume.id } } }),
    extend: () => cinder(session, `/volumes/${volume.id}/action`, { method: 'POST', body: { 'os-extend': { new_size: size } } }),
    snapshot: () => cinder(session, '/snapshots', { method: 'POST', body: { snapshot: { volume_id: volume.id, name, force: true } } }),
    backup: () => cinder(session, '/backups', { method: 'POST', body: { backup: { volume_id: volume.id, name } } }),
  };
  const submit = async () => {
    if (await action.run(requests[kind])) onDone();
  };
  return (
    <form className="form" onSubmit={(e) => { e.preventDefault(); void submit(); }} data-testid={`volume-${kind}-form`}>
      <b>{t(TITLES[kind], { name: volumeName(volume) })}</b>
      {kind === 'attach' && (
        <Field label={t('Instance')}>
          <select required value={server} onChange={(e) => setServer(e.target.value)} data-testid="volume-attach-server">
            <option value="">—</option>
            {servers.map((s) => <option key={s.id} value={s.id}>{label(s)}</option>)}
          </select>
        </Field>
      )}
      {kind === 'extend' && (
        <Field label={t('New size (GiB)')}>
          <input type="number" min={volume.size + 1} required value={size} onChange={(e) => setSize(Number(e.target.value))} data-testid="volume-extend-size" />
        </Field>
      )}
      {(kind === 'snapshot' || kind === 'backup') && (
        <Field label={t('Name')}><input required value={name} onChange={(e) => setName(e.target.value)} data-testid={`volume-${kind}-name`} /></Field>
      )}
      <ErrorNote message={action.error} />
      <div className="row">
        <button className="primary" disabled={action.busy} data-testid={`volume-${kind}-submit`}>{t('Submit')}</button>
        <button type="button" onClick={onClose}>{t('Cancel')}</button>
      </div>
    </form>
  );
}
