import { useState } from 'react';
import type { Named } from '../api.ts';
import { navigate } from '../app.tsx';
import { useI18n } from '../i18n.tsx';
import { hasRole, useSession } from '../session.tsx';
import { ErrorNote, Page, useLoad } from '../ui.tsx';
import { AssignmentsTab } from './identity-assignments.tsx';
import { domainSession, identityCall, loadDomain, type DomainData } from './identity-common.tsx';
import { GroupsTab } from './identity-groups.tsx';
import { ProjectsTab } from './identity-projects.tsx';
import { UsersTab } from './identity-users.tsx';

const tabs = [
  { id: 'users', title: 'Users', page: UsersTab },
  { id: 'groups', title: 'Groups', page: GroupsTab },
  { id: 'projects', title: 'Projects', page: ProjectsTab },
  { id: 'assignments', title: 'Role assignments', page: AssignmentsTab },
] as const;

/** A cloud admin may pick any domain; a domain manager (scs-0302) works in their own. */
function DomainPicker({ value, onChange }: { value: string; onChange: (id: string) => void }) {
  const { t } = useI18n();
  const session = useSession();
  const { data } = useLoad(async () => (await identityCall<{ domains: Named[] }>(session, '/domains')).domains, []);
  return (
    <label className="row">
      <span className="muted">{t('Domain')}</span>
      <select data-testid="domain-select" value={value} onChange={(e) => onChange(e.target.value)}>
        {(data ?? [{ id: value, name: value }]).map((d) => <option key={d.id} value={d.id}>{d.name}</option>)}
      </select>
    </label>
  );
}

export function DomainAdmin({ params }: { params: URLSearchParams }) {
  const { t } = useI18n();
  const session = useSession();
  const admin = hasRole(session, 'admin');
  const [domainId, setDomainId] = useState(admin ? session.project.domain.id : session.user.domain.id);
  const { data, error, reload } = useLoad(async () => loadDomain(await domainSession(session, domainId), domainId), [domainId]);
  const tab = tabs.find((x) => x.id === params.get('tab')) ?? tabs[0];
  const Tab = tab.page;
  const domain: DomainData | undefined = data && { ...data, reload };

  return (
    <Page title={t('Users and projects')} actions={admin && <DomainPicker value={domainId} onChange={setDomainId} />}>
      <div className="tabs" role="tablist">
        {tabs.map((x) => (
          <button key={x.id} role="tab" aria-selected={x === tab} className={x === tab ? 'active' : ''} data-testid={`domain-tab-${x.id}`} onClick={() => navigate(`domain?tab=${x.id}`)}>
            {t(x.title)}
          </button>
        ))}
      </div>
      <ErrorNote message={error} />
      {domain ? <Tab key={domainId} d={domain} /> : !error && <p className="muted">{t('Loading')}…</p>}
    </Page>
  );
}
