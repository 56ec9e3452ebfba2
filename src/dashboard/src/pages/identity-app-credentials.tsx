import { useState } from 'react';
import { download } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import { useSession } from '../session.tsx';
import { ErrorNote, Field, Table, useAction, useLoad } from '../ui.tsx';
import { identityUrl } from './api-access.tsx';
import { identityCall, Secret } from './identity-common.tsx';
import { localTime } from './object-common.tsx';

interface AppCredential {
  id: string;
  name: string;
  description: string | null;
  project_id: string;
  expires_at: string | null;
  unrestricted: boolean;
  roles: { name: string }[];
  secret?: string;
}

function cloudsYaml(authUrl: string, c: AppCredential): string {
  return [
    'clouds:',
    `  ${c.name}:`,
    '    auth_type: v3applicationcredential',
    '    auth:',
    `      auth_url: ${authUrl}`,
    `      application_credential_id: ${c.id}`,
    `      application_credential_secret: ${c.secret}`,
    '    region_name: RegionOne',
    '    interface: public',
    '    identity_api_version: 3',
    '',
  ].join('\n');
}

/** Keystone shows the secret only in the answer to the create request: this is the user's one chance to keep it. */
function CreatedSecret({ c, onClose }: { c: AppCredential; onClose: () => void }) {
  const { t } = useI18n();
  const session = useSession();
  return (
    <div className="form" data-testid="appcred-created">
      <b>{t('Application credential {name} created.', { name: c.name })}</b>
      <p className="muted">{t('Copy the secret now: it is not shown again.')}</p>
      <Field label="ID"><code data-testid="appcred-created-id">{c.id}</code></Field>
      <Field label={t('Secret')}><Secret value={c.secret!} shown testId="appcred-created-secret" /></Field>
      <div className="row">
        <button className="primary" onClick={() => download('clouds.yaml', cloudsYaml(identityUrl(session), c), 'application/yaml')}>{t('Download clouds.yaml')}</button>
        <button data-testid="appcred-created-close" onClick={onClose}>{t('Close')}</button>
      </div>
    </div>
  );
}

function CreateForm({ onCreated, onCancel }: { onCreated: (c: AppCredential) => void; onCancel: () => void }) {
  const { t } = useI18n();
  const session = useSession();
  const action = useAction();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [expires, setExpires] = useState('');
  const [roles, setRoles] = useState<string[]>(session.roles);
  const [unrestricted, setUnrestricted] = useState(false);

  const submit = () => action.run(async () => {
    const body = {
      name: name.trim(),
      description: description || undefined,
      // datetime-local is the browser's local time; Keystone wants UTC.
      expires_at: expires ? new Date(expires).toISOString() : undefined,
      roles: roles.map((r) => ({ name: r })),
      unrestricted,
    };
    const res = await identityCall<{ application_credential: AppCredential }>(session, `/users/${session.user.id}/application_credentials`, 'POST', { application_credential: body });
    onCreated(res.application_credential);
  });

  return (
    <form className="form" onSubmit={(e) => { e.preventDefault(); void submit(); }}>
      <Field label={t('Name')}><input data-testid="appcred-name" value={name} onChange={(e) => setName(e.target.value)} required autoFocus /></Field>
      <Field label={t('Description')}><input data-testid="appcred-description" value={description} onChange={(e) => setDescription(e.target.value)} /></Field>
      <Field label={t('Expires (empty: never)')}><input type="datetime-local" data-testid="appcred-expires" value={expires} onChange={(e) => setExpires(e.target.value)} /></Field>
      <fieldset className="row">
        <legend className="muted">{t('Roles')}</legend>
        {session.roles.map((r) => (
          <label key={r}>
            <input type="checkbox" data-testid={`appcred-role-${r}`} checked={roles.includes(r)} onChange={(e) => setRoles(e.target.checked ? [...roles, r] : roles.filter((x) => x !== r))} /> {r}
          </label>
        ))}
      </fieldset>
      <label>
        <input type="checkbox" data-testid="appcred-unrestricted" checked={unrestricted} onChange={(e) => setUnrestricted(e.target.checked)} />{' '}
        {t('Unrestricted (may create further credentials — use with care)')}
      </label>
      <ErrorNote message={action.error} />
      <div className="row">
        <button className="primary" type="submit" data-testid="appcred-create" disabled={action.busy || !name.trim() || !roles.length}>{t('Create')}</button>
        <button type="button" onClick={onCancel}>{t('Cancel')}</button>
      </div>
    </form>
  );
}

export function AppCredentials() {
  const { t } = useI18n();
  const session = useSession();
  const base = `/users/${session.user.id}/application_credentials`;
  const { data, error, reload } = useLoad(async () => (await identityCall<{ application_credentials: AppCredential[] }>(session, base)).application_credentials, []);
  const action = useAction();
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<AppCredential | undefined>();

  const remove = async (c: AppCredential) => {
    if (!confirm(t('Delete application credential {name}?', { name: c.name }))) return;
    await action.run(() => identityCall(session, `${base}/${c.id}`, 'DELETE'));
    await reload();
  };

  return (
    <>
      <div className="page-head section-head">
        <h2>{t('Application credentials')}</h2>
        <div className="page-actions">
          <button className="primary" data-testid="appcred-create-open" onClick={() => { setCreating(!creating); setCreated(undefined); }}>{t('Create application credential')}</button>
        </div>
      </div>
      {creating && <CreateForm onCancel={() => setCreating(false)} onCreated={(c) => { setCreating(false); setCreated(c); void reload(); }} />}
      {created && <CreatedSecret c={created} onClose={() => setCreated(undefined)} />}
      <ErrorNote message={error ?? action.error} />
      <Table
        testId="appcred-table"
        rows={data?.filter((c) => c.project_id === session.project.id)}
        rowKey={(c) => c.id}
        filterText={(c) => `${c.name} ${c.description ?? ''}`}
        columns={[
          { title: t('Name'), cell: (c) => <span data-testid={`appcred-${c.name}`}>{c.name}</span> },
          { title: t('Description'), cell: (c) => c.description },
          { title: t('Roles'), cell: (c) => c.roles.map((r) => r.name).join(', ') },
          { title: t('Expires'), cell: (c) => (c.expires_at ? localTime(c.expires_at) : t('Never')) },
          { title: t('Unrestricted'), cell: (c) => (c.unrestricted ? t('Yes') : t('No')) },
          { title: t('Actions'), cell: (c) => <button className="danger" data-testid={`appcred-delete-${c.name}`} disabled={action.busy} onClick={() => void remove(c)}>{t('Delete')}</button> },
        ]}
      />
    </>
  );
}
