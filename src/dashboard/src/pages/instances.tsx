import { useState } from 'react';
import { navigate } from '../app.tsx';
import { useI18n } from '../i18n.tsx';
import { useSession } from '../session.tsx';
import { ErrorNote, Page, StatusBadge, Table, useAction, useLoad } from '../ui.tsx';
import { listFlavors, listImages, nova } from './compute-common.tsx';
import { ConsolePanel, ResizePanel, SerialPanel, serverAction, SnapshotPanel, type Server } from './compute-instance-panels.tsx';

const SETTLED = ['ACTIVE', 'SHUTOFF', 'ERROR', 'VERIFY_RESIZE', 'PAUSED', 'SUSPENDED', 'SHELVED_OFFLOADED'];
const busy = (s: Server) => !!s['OS-EXT-STS:task_state'] || !SETTLED.includes(s.status);
// Poll quickly while anything is on its way somewhere, so a user sees BUILD turn into ACTIVE.
const pollWhileBusy = (servers: Server[]) => (servers.some(busy) ? 3000 : undefined);

type Panel = { kind: 'console' | 'serial' | 'resize' | 'snapshot'; server: Server };

interface RowAction {
  key: string;
  label: string;
  when: (s: Server) => boolean;
}

const ACTIONS: RowAction[] = [
  { key: 'console', label: 'Console log', when: () => true },
  { key: 'serial', label: 'Serial console', when: (s) => s.status === 'ACTIVE' },
  { key: 'start', label: 'Start', when: (s) => s.status === 'SHUTOFF' },
  { key: 'stop', label: 'Stop', when: (s) => s.status === 'ACTIVE' },
  { key: 'reboot', label: 'Reboot', when: (s) => s.status === 'ACTIVE' },
  { key: 'resize', label: 'Resize', when: (s) => ['ACTIVE', 'SHUTOFF'].includes(s.status) },
  { key: 'snapshot', label: 'Create snapshot', when: (s) => ['ACTIVE', 'SHUTOFF', 'PAUSED', 'SUSPENDED'].includes(s.status) },
  { key: 'delete', label: 'Delete', when: () => true },
];

const DIRECT: Record<string, unknown> = { start: { 'os-start': null }, stop: { 'os-stop': null }, reboot: { reboot: { type: 'SOFT' } } };

function Addresses({ server }: { server: Server }) {
  const { t } = useI18n();
  return (
    <>
      {Object.entries(server.addresses).map(([net, addrs]) => (
        <div key={net}>
          <span className="muted">{net}:</span>{' '}
          {addrs.map((a) => `${a.addr}${a['OS-EXT-IPS:type'] === 'floating' ? ` (${t('floating')})` : ''}`).join(', ')}
        </div>
      ))}
    </>
  );
}

export function Instances() {
  const { t } = useI18n();
  const session = useSession();
  const { data, error, reload } = useLoad(async () => (await nova<{ servers: Server[] }>(session, '/servers/detail')).servers, [session.project.id], pollWhileBusy);
  const images = useLoad(() => listImages(session), [session.project.id]);
  const flavors = useLoad(() => listFlavors(session), [session.project.id]);
  const action = useAction();
  const [panel, setPanel] = useState<Panel | null>(null);

  const act = async (s: Server, key: string) => {
    action.clear();
    if (key === 'console' || key === 'serial' || key === 'resize' || key === 'snapshot') return setPanel({ kind: key, server: s });
    if (key === 'delete' && !confirm(t('Delete instance {name}?', { name: s.name }))) return;
    const done = await action.run(() => (key === 'delete' ? nova(session, `/servers/${s.id}`, { method: 'DELETE' }) : serverAction(session, s.id, DIRECT[key])));
    if (done) await reload();
  };
  const finishResize = async (s: Server, body: unknown) => {
    if (await action.run(() => serverAction(session, s.id, body))) await reload();
  };

  const imageName = (s: Server) => {
    if (!s.image) return <span className="muted">{t('(boot volume)')}</span>;
    const id = s.image.id;
    return images.data?.find((i) => i.id === id)?.name ?? <code>{id.slice(0, 8)}</code>;
  };
  const done = () => void reload();
  const close = () => setPanel(null);

  return (
    <Page
      title={t('Instances')}
      actions={<button className="primary" onClick={() => navigate('launch')} data-testid="launch-instance">{t('Launch instance')}</button>}
    >
      {panel?.kind === 'console' && <ConsolePanel key={panel.server.id} server={panel.server} onClose={close} />}
      {panel?.kind === 'serial' && <SerialPanel key={panel.server.id} server={panel.server} onClose={close} />}
      {panel?.kind === 'resize' && flavors.data && <ResizePanel key={panel.server.id} server={panel.server} flavors={flavors.data} onClose={close} onDone={() => { close(); done(); }} />}
      {panel?.kind === 'snapshot' && <SnapshotPanel key={panel.server.id} server={panel.server} onClose={close} onDone={done} />}
      <ErrorNote message={action.error ?? error} />
      <Table
        testId="instances"
        rows={data}
        rowKey={(s) => s.id}
        filterText={(s) => `${s.name} ${s.status} ${JSON.stringify(s.addresses)} ${s.flavor.original_name}`}
        columns={[
          { title: t('Name'), cell: (s) => <b data-testid={`instance-${s.name}`}>{s.name}</b> },
          {
            title: t('Status'),
            cell: (s) => (
              <div data-testid={`instance-status-${s.name}`} data-status={s.status}>
                <StatusBadge status={s.status} />
                {s['OS-EXT-STS:task_state'] && <div className="muted">{s['OS-EXT-STS:task_state']}…</div>}
                {s.status === 'VERIFY_RESIZE' && (
                  <div className="row">
                    <button className="primary" onClick={() => finishResize(s, { confirmResize: null })} data-testid={`instance-confirm-resize-${s.name}`}>{t('Confirm resize')}</button>
                    <button onClick={() => finishResize(s, { revertResize: null })} data-testid={`instance-revert-resize-${s.name}`}>{t('Revert resize')}</button>
                  </div>
                )}
              </div>
            ),
          },
          { title: t('Addresses'), cell: (s) => <Addresses server={s} /> },
          { title: t('Flavor'), cell: (s) => s.flavor.original_name },
          { title: t('Image'), cell: imageName },
          {
            title: t('Actions'),
            cell: (s) => (
              <select aria-label={t('Actions')} value="" onChange={(e) => void act(s, e.target.value)} disabled={action.busy} data-testid={`instance-action-${s.name}`}>
                <option value="" disabled>{t('Actions')}…</option>
                {ACTIONS.filter((a) => a.when(s) && (a.key === 'console' || a.key === 'delete' || !s['OS-EXT-STS:task_state'])).map((a) => (
                  <option key={a.key} value={a.key}>{t(a.label)}</option>
                ))}
              </select>
            ),
          },
        ]}
      />
    </Page>
  );
}
