import { useI18n } from '../i18n.tsx';
import { useSession } from '../session.tsx';
import { ErrorNote, Page, Table, useLoad } from '../ui.tsx';
import { formatRam, listFlavors, scsMeaning } from './compute-common.tsx';

export function Flavors() {
  const { t } = useI18n();
  const session = useSession();
  const { data, error } = useLoad(() => listFlavors(session), [session.project.id]);
  return (
    <Page title={t('Flavors')}>
      <ErrorNote message={error} />
      <Table
        testId="flavors"
        rows={data}
        rowKey={(f) => f.id}
        filterText={(f) => `${f.name} ${scsMeaning(f.name, t) ?? ''}`}
        pageSize={50}
        columns={[
          { title: t('Name'), cell: (f) => <b data-testid={`flavor-${f.name}`}>{f.name}</b> },
          { title: t('vCPUs'), cell: (f) => f.vcpus },
          { title: t('RAM'), cell: (f) => formatRam(f.ram) },
          { title: t('Disk'), cell: (f) => (f.disk ? `${f.disk} GB` : '–') },
          { title: t('SCS meaning'), cell: (f) => <span className="muted">{scsMeaning(f.name, t) ?? '–'}</span> },
        ]}
      />
    </Page>
  );
}
