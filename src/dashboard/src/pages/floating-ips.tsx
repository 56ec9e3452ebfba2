import { useState } from 'react';
import type { Session } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import { useSession } from '../session.tsx';
import { ErrorNote, Field, Page, StatusBadge, Table, useAction, useLoad } from '../ui.tsx';
import { ConfirmButton, label, listNetworks, listServers, neutron, type Network, type Port, type Server } from './network-common.tsx';

interface FloatingIp {
  id: string;
  floating_ip_address: string;
  floating_network_id: string;
  fixed_ip_address: string | null;
  port_id: string | null;
  status: string;
}

interface Data {
  ips: FloatingIp[];
  external: Network[];
  servers: Server[];
  ports: Port[];
}

async function load(session: Session): Promise<Data> {
  const [ips, networks, servers, ports] = await Promise.all([
    neutron<{ floatingips: FloatingIp[] }>(session, '/floatingips').then((r) => r.floatingips),
    listNetworks(session),
    listServers(session),
    neutron<{ ports: Port[] }>(session, '/ports').then((r) => r.ports),
  ]);
  return { ips, external: networks.filter((n) => n['router:external']), servers, ports };
}

/** Instance first, then its port: an instance on two networks has two ports to choose from. */
function Associate({ ip, data, onClose, onDone }: { ip: FloatingIp; data: Data; onClose: () => void; onDone: () => void }) {
  const { t } = useI18n();
  const session = useSession();
  const action = useAction();
  const [server, setServer] = useState('');
  const [port, setPort] = useState('');
  const ports = data.ports.filter((p) => p.device_id === server && p.device_owner.startsWith('compute:'));
  const chosen = port || ports[0]?.id || '';
  const submit = async () => {
    if (await action.run(() => neutron(session, `/floatingips/${ip.id}`, { method: 'PUT', body: { floatingip: { port_id: chosen } } }))) onDone();
  };
  return (
    <form className="form" data-testid="fip-associate-form" onSubmit={(e) => { e.preventDefault(); void submit(); }}>
      <b>{t('Associate {ip}', { ip: ip.floating_ip_address })}</b>
      <div className="row">
        <Field label={t('Instance')}>
          <select required value={server} onChange={(e) => { setServer(e.target.value); setPort(''); }} data-testid="fip-associate-server">
            <option value="">—</option>
            {data.servers.map((s) => <option key={s.id} value={s.id}>{label(s)}</option>)}
          </select>
        </Field>
        <Field label={t('Port')}>
          <select required value={chosen} onChange={(e) => setPort(e.target.value)} data-testid="fip-associate-port">
            {ports.length === 0 && <option value="">—</option>}
            {ports.map((p) => <option key={p.id} value={p.id}>{p.fixed_ips.map((f) => f.ip_address).join(', ') || p.id.slice(0, 8)}</option>)}
          </select>
        </Field>
      </div>
      <ErrorNote message={action.error} />
      <div className="row">
        <button className="primary" disabled={action.busy || !chosen} data-testid="fip-associate-submit">{t('Associate')}</button>
        <button type="button" onClick={onClose}>{t('Cancel')}</button>
      </div>
    </form>
  );
}

export function FloatingIps() {
  const { t } = useI18n();
  const session = useSession();
  const { data, error, reload } = useLoad(() => load(session), [session.project.id]);
  const action = useAction();
  const [pool, setPool] = useState('');
  const [associating, setAssociating] = useState<FloatingIp | null>(null);
  const external = data?.external ?? [];
  const chosenPool = pool || (external.find((n) => n.name === 'public') ?? external[0])?.id || '';
  const act = (fn: () => Promise<unknown>) => action.run(fn).then(() => reload());
  const instance = (ip: FloatingIp) => {
    const deviceId = data?.ports.find((p) => p.id === ip.port_id)?.device_id;
    const server = data?.servers.find((s) => s.id === deviceId);
    return server ? label(server) : '';
  };
  return (
    <Page
      title={t('Floating IPs')}
      actions={
        <>
          <select aria-label={t('Pool')} value={chosenPool} onChange={(e) => setPool(e.target.value)} data-testid="fip-pool">
            {external.map((n) => <option key={n.id} value={n.id}>{label(n)}</option>)}
          </select>
          <button className="primary" disabled={!chosenPool || action.busy} data-testid="fip-allocate"
            onClick={() => void act(() => neutron(session, '/floatingips', { method: 'POST', body: { floatingip: { floating_network_id: chosenPool } } }))}>
            {t('Allocate IP')}
          </button>
        </>
      }
    >
      {associating && data && <Associate ip={associating} data={data} onClose={() => setAssociating(null)} onDone={() => { setAssociating(null); void reload(); }} />}
      <ErrorNote message={error ?? action.error} />
      <Table
        rows={data?.ips}
        rowKey={(ip) => ip.id}
        testId="fips-table"
        filterText={(ip) => `${ip.floating_ip_address} ${ip.fixed_ip_address ?? ''} ${instance(ip)}`}
        columns={[
          { title: t('IP address'), cell: (ip) => <span data-testid={`fip-${ip.floating_ip_address}`}>{ip.floating_ip_address}</span> },
          { title: t('Pool'), cell: (ip) => label(external.find((n) => n.id === ip.floating_network_id) ?? { id: ip.floating_network_id, name: '' }) },
          { title: t('Mapped to'), cell: (ip) => (ip.fixed_ip_address ? `${instance(ip)} ${ip.fixed_ip_address}` : '') },
          { title: t('Status'), cell: (ip) => <StatusBadge status={ip.status} /> },
          {
            title: t('Actions'),
            cell: (ip) => (
              <div className="row actions">
                {ip.port_id
                  ? <button data-testid={`fip-disassociate-${ip.floating_ip_address}`} disabled={action.busy}
                      onClick={() => void act(() => neutron(session, `/floatingips/${ip.id}`, { method: 'PUT', body: { floatingip: { port_id: null } } }))}>{t('Disassociate')}</button>
                  : <button data-testid={`fip-associate-${ip.floating_ip_address}`} onClick={() => setAssociating(ip)}>{t('Associate')}</button>}
                <ConfirmButton label={t('Release')} testId={`fip-release-${ip.floating_ip_address}`}
                  onConfirm={() => void act(() => neutron(session, `/floatingips/${ip.id}`, { method: 'DELETE' }))} />
              </div>
            ),
          },
        ]}
      />
    </Page>
  );
}
