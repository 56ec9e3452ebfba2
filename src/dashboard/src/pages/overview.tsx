import { call, type Session } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import { useSession } from '../session.tsx';
import { ErrorNote, Page, StatusBadge, Table, useLoad } from '../ui.tsx';

interface Running {
  id: string;
  name: string;
  status: string;
  kind: 'Instance' | 'Volume';
  detail: string;
}

/** What runs in the project now: instances and volumes, newest first. */
async function running(session: Session): Promise<Running[]> {
  const [servers, volumes] = await Promise.all([
    call(session, 'compute', '/servers/detail').then((r) => r.servers as { id: string; name: string; status: string }[]),
    call(session, 'block-storage', '/volumes/detail').then((r) => r.volumes as { id: string; name: string; status: string; size: number }[]),
  ]);
  return [
    ...servers.map((s) => ({ id: s.id, name: s.name, status: s.status, kind: 'Instance' as const, detail: '' })),
    ...volumes.map((v) => ({ id: v.id, name: v.name || v.id.slice(0, 8), status: v.status, kind: 'Volume' as const, detail: `${v.size} GiB` })),
  ];
}

interface Usage {
  label: string;
  used: number;
  limit: number;
  unit?: string;
}

async function usage(session: Session): Promise<{ rows: Usage[]; errors: string[] }> {
  const rows: Usage[] = [];
  const errors: string[] = [];
  const p = session.project.id;
  const sources: Promise<void>[] = [
    call(session, 'compute', '/limits').then(({ limits: { absolute: a } }) => {
      rows.push({ label: 'Instances', used: a.totalInstancesUsed, limit: a.maxTotalInstances });
      rows.push({ label: 'vCPUs', used: a.totalCoresUsed, limit: a.maxTotalCores });
      rows.push({ label: 'RAM', used: a.totalRAMUsed, limit: a.maxTotalRAMSize, unit: 'MiB' });
    }),
    call(session, 'block-storage', '/limits').then(({ limits: { absolute: a } }) => {
      rows.push({ label: 'Volumes', used: a.totalVolumesUsed, limit: a.maxTotalVolumes });
      rows.push({ label: 'Volume storage', used: a.totalGigabytesUsed, limit: a.maxTotalVolumeGigabytes, unit: 'GiB' });
    }),
    call(session, 'network', `/v2.0/quotas/${p}/details`).then(({ quota: q }) => {
      for (const [key, label] of [['network', 'Networks'], ['port', 'Ports'], ['router', 'Routers'], ['floatingip', 'Floating IPs'], ['security_group', 'Security groups']] as const) {
        if (q[key]) rows.push({ label, used: q[key].used, limit: q[key].limit });
      }
    }),
  ].map((source) => source.catch((err: Error) => { errors.push(err.message); }));
  await Promise.all(sources);
  return { rows, errors };
}

/** One horizontal bar per resource: what is used of the quota. */
function Bar({ u }: { u: Usage }) {
  const { t } = useI18n();
  const unlimited = u.limit < 0;
  const share = unlimited || u.limit === 0 ? 0 : Math.min(1, u.used / u.limit);
  return (
    <div className="quota" data-testid={`quota-${u.label}`}>
      <div className="quota-label">
        <span>{t(u.label)}</span>
        <span>{u.used}{u.unit ? ` ${u.unit}` : ''} {t('of')} {unlimited ? '∞' : `${u.limit}${u.unit ? ` ${u.unit}` : ''}`}</span>
      </div>
      <svg className="quota-bar" viewBox="0 0 100 6" preserveAspectRatio="none" role="img" aria-label={`${Math.round(share * 100)}%`}>
        <rect width="100" height="6" className="track" />
        <rect width={share * 100} height="6" className={share > 0.9 ? 'fill full' : 'fill'} />
      </svg>
    </div>
  );
}

export function Overview() {
  const { t } = useI18n();
  const session = useSession();
  const { data, error } = useLoad(() => usage(session), [session.project.id]);
  const now = useLoad(() => running(session), [session.project.id]);
  return (
    <Page title={t('Overview')}>
      <h2>{t('Quota usage')}</h2>
      <ErrorNote message={error ?? data?.errors.join(' ')} />
      <div className="quota-grid">
        {data?.rows.map((u) => <Bar key={u.label} u={u} />)}
      </div>
      <h2>{t('What runs')}</h2>
      <ErrorNote message={now.error} />
      <Table
        rows={now.data}
        rowKey={(r) => r.id}
        pageSize={10}
        testId="running"
        columns={[
          { title: t('Name'), cell: (r) => r.name },
          { title: t('Kind'), cell: (r) => <>{t(r.kind)} <span className="muted">{r.detail}</span></> },
          { title: t('Status'), cell: (r) => <StatusBadge status={r.status} /> },
        ]}
      />
    </Page>
  );
}
