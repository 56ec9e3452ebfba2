import { useState } from 'react';
import type { Session } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import { useSession } from '../session.tsx';
import { ErrorNote, Page, StatusBadge, Table, useAction, useLoad } from '../ui.tsx';
import { ConfirmButton, label, listNetworks, listServers, listSubnets, neutron, type Network, type Port, type Router } from './network-common.tsx';
import { SubnetForm } from './network-subnet.tsx';
import { Topology, type TopologyData } from './network-topology.tsx';

async function load(session: Session): Promise<TopologyData> {
  const [networks, subnets, routers, ports, servers] = await Promise.all([
    listNetworks(session),
    listSubnets(session),
    neutron<{ routers: Router[] }>(session, '/routers').then((r) => r.routers),
    neutron<{ ports: Port[] }>(session, '/ports').then((r) => r.ports),
    listServers(session),
  ]);
  return { networks, subnets, routers, ports, servers };
}

export function Networks() {
  const { t } = useI18n();
  const session = useSession();
  const { data, error, reload } = useLoad(() => load(session), [session.project.id]);
  const action = useAction();
  // undefined: no form; null: a new network; a network: a subnet for it.
  const [form, setForm] = useState<Network | null | undefined>();
  const act = (fn: () => Promise<unknown>) => action.run(fn).then(() => reload());
  const own = (n: Network) => n.project_id === session.project.id;
  return (
    <Page title={t('Networks')} actions={<button className="primary" data-testid="network-create" onClick={() => setForm(form === null ? undefined : null)}>{t('Create network')}</button>}>
      {form !== undefined && <SubnetForm key={form?.id ?? 'new'} network={form ?? undefined} onClose={() => setForm(undefined)} onDone={() => { setForm(undefined); void reload(); }} />}
      <ErrorNote message={error ?? action.error} />
      {data && <Topology data={data} />}
      <Table
        rows={data?.networks}
        rowKey={(n) => n.id}
        testId="networks-table"
        filterText={(n) => `${n.name} ${n.id}`}
        columns={[
          {
            title: t('Name'),
            cell: (n) => (
              <span data-testid={`network-${n.name}`}>
                <b>{label(n)}</b>
                {n['router:external'] && <> <span className="badge off" data-testid={`network-external-${n.name}`}>{t('External')}</span></>}
                {n.shared && <> <span className="badge off">{t('Shared')}</span></>}
              </span>
            ),
          },
          {
            title: t('Subnets'),
            cell: (n) => data!.subnets.filter((s) => s.network_id === n.id).map((s) => (
              <div key={s.id} className="subnet-line" data-testid={`subnet-${s.name}`}>
                <span><b>{label(s)}</b> <code>{s.cidr}</code></span>
                <span className="muted">
                  {t('Gateway')} {s.gateway_ip ?? '—'} · DHCP {s.enable_dhcp ? t('on') : t('off')}{s.dns_nameservers.length ? ` · DNS ${s.dns_nameservers.join(', ')}` : ''}
                </span>
                {own(n) && <ConfirmButton label="×" testId={`subnet-delete-${s.name}`} onConfirm={() => void act(() => neutron(session, `/subnets/${s.id}`, { method: 'DELETE' }))} />}
              </div>
            )),
          },
          { title: t('Status'), cell: (n) => <StatusBadge status={n.status} /> },
          {
            title: t('Actions'),
            cell: (n) => own(n) && (
              <div className="row actions">
                <button data-testid={`subnet-add-${n.name}`} onClick={() => setForm(n)}>{t('Add subnet')}</button>
                <ConfirmButton label={t('Delete')} testId={`network-delete-${n.name}`} onConfirm={() => void act(() => neutron(session, `/networks/${n.id}`, { method: 'DELETE' }))} />
              </div>
            ),
          },
        ]}
      />
    </Page>
  );
}
