import { useState } from 'react';
import type { Session } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import { useSession } from '../session.tsx';
import { ErrorNote, Field, Page, StatusBadge, Table, useAction, useLoad } from '../ui.tsx';
import { ConfirmButton, label, listNetworks, listSubnets, neutron, type Network, type Port, type Router, type Subnet } from './network-common.tsx';

interface Data {
  routers: Router[];
  networks: Network[];
  subnets: Subnet[];
  ports: Port[];
}

async function load(session: Session): Promise<Data> {
  const [routers, networks, subnets, ports] = await Promise.all([
    neutron<{ routers: Router[] }>(session, '/routers').then((r) => r.routers),
    listNetworks(session),
    listSubnets(session),
    neutron<{ ports: Port[] }>(session, '/ports?device_owner=network:router_interface').then((r) => r.ports),
  ]);
  return { routers, networks, subnets, ports };
}

export function Routers() {
  const { t } = useI18n();
  const session = useSession();
  const { data, error, reload } = useLoad(() => load(session), [session.project.id]);
  const action = useAction();
  const [creating, setCreating] = useState(false);
  const [name, setName] = useState('');
  const [gateway, setGateway] = useState('');
  const [adding, setAdding] = useState<Record<string, string>>({});
  const external = data?.networks.filter((n) => n['router:external']) ?? [];
  const chosenGateway = gateway || (external.find((n) => n.name === 'public') ?? external[0])?.id || 'none';
  const act = (fn: () => Promise<unknown>) => action.run(fn).then((ok) => { void reload(); return ok; });
  const update = (r: Router, body: Record<string, unknown>) => act(() => neutron(session, `/routers/${r.id}`, { method: 'PUT', body: { router: body } }));
  const iface = (r: Router, verb: 'add' | 'remove', subnet: string) =>
    act(() => neutron(session, `/routers/${r.id}/${verb}_router_interface`, { method: 'PUT', body: { subnet_id: subnet } }));
  const create = async () => {
    const body = { name, ...(chosenGateway === 'none' ? {} : { external_gateway_info: { network_id: chosenGateway } }) };
    if (await act(() => neutron(session, '/routers', { method: 'POST', body: { router: body } }))) { setCreating(false); setName(''); }
  };
  const interfaces = (r: Router) => (data?.ports ?? []).filter((p) => p.device_id === r.id).flatMap((p) => p.fixed_ips);
  const subnetName = (id: string) => label(data?.subnets.find((s) => s.id === id) ?? { id, name: '' });
  const networkName = (id: string) => label(data?.networks.find((n) => n.id === id) ?? { id, name: '' });
  // A subnet is offered if it is inside, not yet on this router and has a gateway address for the router to take.
  const candidates = (r: Router) => (data?.subnets ?? []).filter((s) =>
    !external.some((n) => n.id === s.network_id) && s.gateway_ip && !interfaces(r).some((f) => f.subnet_id === s.id));
  return (
    <Page title={t('Routers')} actions={<button className="primary" data-testid="router-create" onClick={() => setCreating(!creating)}>{t('Create router')}</button>}>
      {creating && (
        <form className="form" onSubmit={(e) => { e.preventDefault(); void create(); }} data-testid="router-create-form">
          <div className="row">
            <Field label={t('Name')}><input required value={name} onChange={(e) => setName(e.target.value)} data-testid="router-name" /></Field>
            <Field label={t('External gateway')}>
              <select value={chosenGateway} onChange={(e) => setGateway(e.target.value)} data-testid="router-gateway">
                <option value="none">{t('None')}</option>
                {external.map((n) => <option key={n.id} value={n.id}>{label(n)}</option>)}
              </select>
            </Field>
          </div>
          <div className="row">
            <button className="primary" disabled={action.busy} data-testid="router-create-submit">{t('Create')}</button>
            <button type="button" onClick={() => setCreating(false)}>{t('Cancel')}</button>
          </div>
        </form>
      )}
      <ErrorNote message={error ?? action.error} />
      <Table
        rows={data?.routers}
        rowKey={(r) => r.id}
        testId="routers-table"
        filterText={(r) => `${r.name} ${r.id}`}
        columns={[
          { title: t('Name'), cell: (r) => <b data-testid={`router-${r.name}`}>{label(r)}</b> },
          { title: t('Status'), cell: (r) => <StatusBadge status={r.status} /> },
          {
            title: t('External gateway'),
            cell: (r) => r.external_gateway_info
              ? <span data-testid={`router-gateway-${r.name}`}>{networkName(r.external_gateway_info.network_id)} <code>{r.external_gateway_info.external_fixed_ips?.map((f) => f.ip_address).join(', ')}</code></span>
              : <span className="muted">—</span>,
          },
          {
            title: t('Interfaces'),
            cell: (r) => (
              <>
                {interfaces(r).map((f) => (
                  <div key={f.subnet_id} className="subnet-line" data-testid={`router-iface-${r.name}-${subnetName(f.subnet_id)}`}>
                    <span>{subnetName(f.subnet_id)} <code>{f.ip_address}</code></span>
                    <ConfirmButton label="×" testId={`router-iface-remove-${r.name}-${subnetName(f.subnet_id)}`} onConfirm={() => void iface(r, 'remove', f.subnet_id)} />
                  </div>
                ))}
                <div className="row">
                  <select aria-label={t('Subnet')} value={adding[r.id] ?? ''} onChange={(e) => setAdding({ ...adding, [r.id]: e.target.value })} data-testid={`router-iface-subnet-${r.name}`}>
                    <option value="">{t('Subnet')}…</option>
                    {candidates(r).map((s) => <option key={s.id} value={s.id}>{label(s)} {s.cidr}</option>)}
                  </select>
                  <button disabled={!adding[r.id] || action.busy} data-testid={`router-iface-add-${r.name}`}
                    onClick={() => void iface(r, 'add', adding[r.id]!).then((ok) => ok && setAdding({ ...adding, [r.id]: '' }))}>{t('Add interface')}</button>
                </div>
              </>
            ),
          },
          {
            title: t('Actions'),
            cell: (r) => (
              <div className="row actions">
                {r.external_gateway_info
                  ? <button data-testid={`router-clear-gateway-${r.name}`} disabled={action.busy} onClick={() => void update(r, { external_gateway_info: null })}>{t('Clear gateway')}</button>
                  : <button data-testid={`router-set-gateway-${r.name}`} disabled={action.busy || chosenGateway === 'none'}
                      onClick={() => void update(r, { external_gateway_info: { network_id: chosenGateway } })}>{t('Set gateway')}</button>}
                <ConfirmButton label={t('Delete')} testId={`router-delete-${r.name}`} onConfirm={() => void act(() => neutron(session, `/routers/${r.id}`, { method: 'DELETE' }))} />
              </div>
            ),
          },
        ]}
      />
    </Page>
  );
}
