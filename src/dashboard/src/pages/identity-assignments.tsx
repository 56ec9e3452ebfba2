import { useState } from 'react';
import type { Named } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import { useSession } from '../session.tsx';
import { ErrorNote, Field, Table, useAction, useLoad } from '../ui.tsx';
import { identityCall, type DomainData } from './identity-common.tsx';

interface Assignment {
  role: Named;
  user?: Named;
  group?: Named;
  scope: { project?: Named; 'OS-INHERIT:inherited_to'?: string };
}

type ActorKind = 'users' | 'groups';

function grantPath(project: string, kind: ActorKind, actor: string, role: string): string {
  return `/projects/${project}/${kind}/${actor}/roles/${role}`;
}

function AssignForm({ d, project, onDone }: { d: DomainData; project: string; onDone: () => void }) {
  const { t } = useI18n();
  const action = useAction();
  const [kind, setKind] = useState<ActorKind>('users');
  const [actor, setActor] = useState('');
  const [role, setRole] = useState('');
  const actors = kind === 'users' ? d.users : d.groups;

  const assign = async () => {
    if (await action.run(() => identityCall(d.ds, grantPath(project, kind, actor, role), 'PUT'))) onDone();
  };
  return (
    <div className="form">
      <div className="row">
        <Field label={t('Assign to')}>
          <select data-testid="assign-kind" value={kind} onChange={(e) => { setKind(e.target.value as ActorKind); setActor(''); }}>
            <option value="users">{t('User')}</option>
            <option value="groups">{t('Group')}</option>
          </select>
        </Field>
        <Field label={kind === 'users' ? t('User') : t('Group')}>
          <select data-testid="assign-actor" value={actor} onChange={(e) => setActor(e.target.value)}>
            <option value="">—</option>
            {actors.map((a) => <option key={a.id} value={a.id}>{a.name}</option>)}
          </select>
        </Field>
        <Field label={t('Role')}>
          <select data-testid="assign-role" value={role} onChange={(e) => setRole(e.target.value)}>
            <option value="">—</option>
            {d.roles.map((r) => <option key={r.id} value={r.id}>{r.name}</option>)}
          </select>
        </Field>
        <button className="primary" data-testid="assign-submit" disabled={!actor || !role || action.busy} onClick={() => void assign()}>{t('Assign role')}</button>
      </div>
      <ErrorNote message={action.error} />
    </div>
  );
}

export function AssignmentsTab({ d }: { d: DomainData }) {
  const { t } = useI18n();
  const session = useSession();
  const [project, setProject] = useState(d.projects.find((p) => p.id === session.project.id)?.id ?? d.projects[0]?.id ?? '');
  const { data, error, reload } = useLoad(async () => {
    if (!project) return [];
    const q = new URLSearchParams({ 'scope.project.id': project, include_names: 'true' });
    return (await identityCall<{ role_assignments: Assignment[] }>(d.ds, `/role_assignments?${q}`)).role_assignments;
  }, [project]);
  const action = useAction();

  const revoke = async (a: Assignment) => {
    const [kind, actor] = a.user ? ['users' as const, a.user] : ['groups' as const, a.group!];
    if (!confirm(t('Revoke role {role} from {name}?', { role: a.role.name, name: actor.name }))) return;
    await action.run(() => identityCall(d.ds, grantPath(project, kind, actor.id, a.role.id), 'DELETE'));
    await reload();
  };

  return (
    <>
      <div className="row">
        <Field label={t('Project')}>
          <select data-testid="assign-project" value={project} onChange={(e) => setProject(e.target.value)}>
            {d.projects.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
          </select>
        </Field>
      </div>
      {project && <AssignForm key={project} d={d} project={project} onDone={() => void reload()} />}
      <ErrorNote message={error ?? action.error} />
      <Table
        testId="assignment-table"
        rows={data}
        rowKey={(a) => `${a.user?.id ?? a.group?.id}/${a.role.id}/${a.scope['OS-INHERIT:inherited_to'] ?? ''}`}
        filterText={(a) => `${a.user?.name ?? a.group?.name} ${a.role.name}`}
        columns={[
          { title: t('User or group'), cell: (a) => (a.user ? a.user.name : <>{a.group?.name} <span className="badge">{t('Group')}</span></>) },
          { title: t('Role'), cell: (a) => <span data-testid={`assignment-${a.user?.name ?? a.group?.name}-${a.role.name}`}>{a.role.name}</span> },
          {
            title: t('Actions'),
            // An inherited grant lives on the domain or a parent project and is revoked there.
            cell: (a) => (a.scope['OS-INHERIT:inherited_to']
              ? <span className="muted">{t('inherited')}</span>
              : <button className="danger" data-testid={`assignment-revoke-${a.user?.name ?? a.group?.name}-${a.role.name}`} disabled={action.busy} onClick={() => void revoke(a)}>{t('Revoke')}</button>),
          },
        ]}
      />
    </>
  );
}
