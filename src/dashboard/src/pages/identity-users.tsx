import { useState } from 'react';
import { useI18n } from '../i18n.tsx';
import { useSession } from '../session.tsx';
import { ErrorNote, Field, Table, useAction } from '../ui.tsx';
import { identityCall, type DomainData, type User } from './identity-common.tsx';

function CreateUser({ d, onDone }: { d: DomainData; onDone: () => void }) {
  const { t } = useI18n();
  const action = useAction();
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [email, setEmail] = useState('');
  const [project, setProject] = useState('');

  const submit = async () => {
    const user = { name: name.trim(), password, domain_id: d.domainId, enabled: true, email: email || undefined, default_project_id: project || undefined };
    if (await action.run(() => identityCall(d.ds, '/users', 'POST', { user }))) onDone();
  };
  return (
    <form className="form" onSubmit={(e) => { e.preventDefault(); void submit(); }}>
      <Field label={t('Name')}><input data-testid="user-name" value={name} onChange={(e) => setName(e.target.value)} required autoFocus /></Field>
      <Field label={t('Password')}><input data-testid="user-password" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} required /></Field>
      <Field label={t('Email (optional)')}><input data-testid="user-email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} /></Field>
      <Field label={t('Default project')}>
        <select data-testid="user-project" value={project} onChange={(e) => setProject(e.target.value)}>
          <option value="">{t('None')}</option>
          {d.projects.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
        </select>
      </Field>
      <p className="muted">{t('A default project alone grants nothing: assign a role on it too.')}</p>
      <ErrorNote message={action.error} />
      <div className="row">
        <button className="primary" type="submit" data-testid="user-create" disabled={action.busy || !name.trim() || !password}>{t('Create')}</button>
        <button type="button" onClick={onDone}>{t('Cancel')}</button>
      </div>
    </form>
  );
}

export function UsersTab({ d }: { d: DomainData }) {
  const { t } = useI18n();
  const session = useSession();
  const action = useAction();
  const [creating, setCreating] = useState(false);

  const change = async (work: () => Promise<unknown>) => {
    await action.run(work);
    await d.reload();
  };
  const remove = (u: User) => {
    if (confirm(t('Delete user {name}?', { name: u.name }))) void change(() => identityCall(d.ds, `/users/${u.id}`, 'DELETE'));
  };

  return (
    <>
      <div className="row">
        <button className="primary" data-testid="user-create-open" onClick={() => setCreating(!creating)}>{t('Create user')}</button>
      </div>
      {creating && <CreateUser d={d} onDone={() => { setCreating(false); void d.reload(); }} />}
      <ErrorNote message={action.error} />
      <Table
        testId="user-table"
        rows={d.users}
        rowKey={(u) => u.id}
        filterText={(u) => u.name}
        columns={[
          { title: t('Name'), cell: (u) => <span data-testid={`user-${u.name}`}>{u.name}</span> },
          { title: t('Status'), cell: (u) => <span className={`badge ${u.enabled ? 'ok' : 'off'}`}>{u.enabled ? t('Enabled') : t('Disabled')}</span> },
          { title: t('Default project'), cell: (u) => d.projects.find((p) => p.id === u.default_project_id)?.name ?? '' },
          {
            title: t('Actions'),
            // Disabling or deleting yourself would lock you out mid-session.
            cell: (u) => u.id !== session.user.id && (
              <div className="row">
                <button data-testid={`user-toggle-${u.name}`} disabled={action.busy} onClick={() => void change(() => identityCall(d.ds, `/users/${u.id}`, 'PATCH', { user: { enabled: !u.enabled } }))}>
                  {u.enabled ? t('Disable') : t('Enable')}
                </button>
                <button className="danger" data-testid={`user-delete-${u.name}`} disabled={action.busy} onClick={() => remove(u)}>{t('Delete')}</button>
              </div>
            ),
          },
        ]}
      />
    </>
  );
}
