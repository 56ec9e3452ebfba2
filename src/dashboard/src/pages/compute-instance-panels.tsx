import { lazy, Suspense, useState, type FormEvent } from 'react';
import type { Session } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import { useSession } from '../session.tsx';
import { ErrorNote, Field, useAction, useLoad } from '../ui.tsx';
import { nova, scsMeaning, type Flavor } from './compute-common.tsx';

export interface Server {
  id: string;
  name: string;
  status: string;
  'OS-EXT-STS:task_state': string | null;
  addresses: Record<string, { addr: string; version: number; 'OS-EXT-IPS:type'?: string }[]>;
  flavor: { original_name: string; vcpus: number; ram: number; disk: number };
  /** Empty for a server booted from a volume. */
  image: { id: string } | '';
  created: string;
}

export function serverAction(session: Session, id: string, body: unknown): Promise<any> {
  return nova(session, `/servers/${id}/action`, { method: 'POST', body });
}

/** Shows what a panel acts on, and closes it. */
function PanelHead({ title, onClose }: { title: string; onClose: () => void }) {
  const { t } = useI18n();
  return (
    <div className="row panel-head">
      <h2>{title}</h2>
      <button type="button" onClick={onClose} data-testid="panel-close">{t('Close')}</button>
    </div>
  );
}

// Refreshing while open lets a user watch an instance boot.
const CONSOLE_POLL = () => 5000;

/** A new object each time: useLoad polls again only when its data changes identity. */
async function consoleLog(session: Session, id: string, full: boolean): Promise<{ text: string }> {
  const { output } = await serverAction(session, id, { 'os-getConsoleOutput': full ? {} : { length: 200 } });
  return { text: output as string };
}

export function ConsolePanel({ server, onClose }: { server: Server; onClose: () => void }) {
  const { t } = useI18n();
  const session = useSession();
  const [full, setFull] = useState(false);
  const { data, error } = useLoad(
    () => consoleLog(session, server.id, full),
    [server.id, full],
    CONSOLE_POLL,
  );
  return (
    <div className="form wide" data-testid="console-panel">
      <PanelHead title={t('Console log of {name}', { name: server.name })} onClose={onClose} />
      <label className="row">
        <input type="checkbox" checked={full} onChange={(e) => setFull(e.target.checked)} data-testid="console-full" />
        {t('Whole log (otherwise the last 200 lines)')}
      </label>
      <ErrorNote message={error} />
      <pre data-testid="console-output">{data === undefined ? `${t('Loading')}…` : data.text || t('The console log is still empty.')}</pre>
    </div>
  );
}

// The terminal is the largest part of the app: it loads when a console is first opened.
const SerialConsole = lazy(() => import('./compute-serial-console.tsx').then((m) => ({ default: m.SerialConsole })));

/** The interactive serial console: the guest's ttyS0 in a terminal. */
export function SerialPanel({ server, onClose }: { server: Server; onClose: () => void }) {
  const { t } = useI18n();
  return (
    <div className="form wide" data-testid="serial-panel">
      <PanelHead title={t('Serial console of {name}', { name: server.name })} onClose={onClose} />
      <Suspense fallback={<p className="muted">{t('Loading')}…</p>}>
        <SerialConsole serverId={server.id} />
      </Suspense>
    </div>
  );
}

export function ResizePanel({ server, flavors, onClose, onDone }: { server: Server; flavors: Flavor[]; onClose: () => void; onDone: () => void }) {
  const { t } = useI18n();
  const session = useSession();
  const action = useAction();
  const choices = flavors.filter((f) => f.name !== server.flavor.original_name);
  const [flavorId, setFlavorId] = useState(choices[0]?.id ?? '');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await action.run(() => serverAction(session, server.id, { resize: { flavorRef: flavorId } }))) onDone();
  };
  const chosen = choices.find((f) => f.id === flavorId);
  return (
    <form className="form" onSubmit={submit} data-testid="resize-panel">
      <PanelHead title={t('Resize {name}', { name: server.name })} onClose={onClose} />
      <p className="muted">{t('Now: {flavor}', { flavor: server.flavor.original_name })}. {t('After the resize, confirm it or revert to the old flavor.')}</p>
      <Field label={t('New flavor')}>
        <select value={flavorId} onChange={(e) => setFlavorId(e.target.value)} data-testid="resize-flavor">
          {choices.map((f) => <option key={f.id} value={f.id}>{f.name}</option>)}
        </select>
      </Field>
      {chosen && <p className="muted">{scsMeaning(chosen.name, t)}</p>}
      <ErrorNote message={action.error} />
      <div className="row">
        <button className="primary" type="submit" disabled={action.busy || !flavorId} data-testid="resize-submit">{t('Resize')}</button>
      </div>
    </form>
  );
}

export function SnapshotPanel({ server, onClose, onDone }: { server: Server; onClose: () => void; onDone: () => void }) {
  const { t } = useI18n();
  const session = useSession();
  const action = useAction();
  const [name, setName] = useState(`${server.name}-snapshot`);
  const [created, setCreated] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const ok = await action.run(async () => {
      await serverAction(session, server.id, { createImage: { name } });
      setCreated(name);
    });
    if (ok) onDone();
  };
  return (
    <form className="form" onSubmit={submit} data-testid="snapshot-panel">
      <PanelHead title={t('Create snapshot of {name}', { name: server.name })} onClose={onClose} />
      <Field label={t('Image name')}>
        <input required value={name} onChange={(e) => setName(e.target.value)} data-testid="snapshot-name" />
      </Field>
      <ErrorNote message={action.error} />
      {created && <p data-testid="snapshot-created">{t('Image {name} is being created: see Images.', { name: created })}</p>}
      <div className="row">
        <button className="primary" type="submit" disabled={action.busy} data-testid="snapshot-submit">{t('Create snapshot')}</button>
      </div>
    </form>
  );
}
