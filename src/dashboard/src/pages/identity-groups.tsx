import { useState } from 'react';
import { useI18n } from '../i18n.tsx';
import { ErrorNote, Field, Table, useAction, useLoad } from '../ui.tsx';
import { identityCall, type DomainData, type Group, type User } from './identity-common.tsx';

function Members({ d, group }: { d: DomainData; group: Group }) {
  const { t } = useI18n();
  const base = `/groups/${group.id}/users`;
  const { data, error, reload } = useLoad(async () => (await identityCall<{ users: User[] }>(d.ds, base)).users, [group.id]);
  const action = useAction();
  const [user, setUser] = useState('');
  const change = async (method: string, userId: string) => {
    await action.run(() => identityCall(d.ds, `${base}/${userId}`, method));
    await reload();
  };
  const outside = d.users.filter((u) => !data?.some((m) => m.id === u.id));

  return (
    <div className="form" data-testid={`group-members-${group.name}`}>
      <b>{t('Members of {name}', { name: group.name })}</b>
      <div className="row">
        <Field label={t('User')}>
          <select data-testid="group-member-user" value={user} onChange={(e) => setUser(e.target.value)}>
            <option value="">—</option>
            {outside.map((u) => <option key={u.id} value={u.id}>{u.name}</option>)}
          </select>
        </Field>
        <button className="primary" data-testid="group-member-add" disabled={!user || action.busy} onClick={() => void change('PUT', user).then(() => setUser(''))}>{t('Add to group')}</button>
      </div>
      <ErrorNote message={error ?? action.error} />
      <Table
        rows={data}
        rowKey={(u) => u.id}
        columns={[
          { title: t('User'), cell: (u) => <span data-testid={`group-member-${u.name}`}>{u.name}</span> },
          { title: t('Actions'), cell: (u) => <button className="danger" data-testid={`group-member-remove-${u.name}`} disabled={action.busy} onClick={() => void change('DELETE', u.id)}>{t('Remove')}</button> },
        ]}
      />
    </div>
  );
}

export function GroupsTab({ d }: { d: DomainData }) {
  const { t } = useI18n();
  const action = useAction();
  const [creating, setCreating] = useState(false);
  const [name, setName] = useState('');
  const [openId, setOpenId] = useState<string | undefined>();
  const open = d.groups.find((g) => g.id === openId);

  const create = async () => {
    if (await action.run(() => identityCall(d.ds, '/groups', 'POST', { group: { name: name.trim(), domain_id: d.domainId } }))) {
      setCreating(false);
      setName('');
      await d.reload();
    }
  };
  const remove = async (g: Group) => {
    if (!confirm(t('Delete group {name}?', { name: g.name }))) return;
    await action.run(() => identityCall(d.ds, `/groups/${g.id}`, 'DELETE'));
    await d.reload();
  };

  return (
    <>
      <div className="row">
        <button className="primary" data-testid="group-create-open" onClick={() => setCreating(!creating)}>{t('Create group')}</button>
      </div>
      {creating && (
        <form className="form" onSubmit={(e) => { e.preventDefault(); void create(); }}>
          <Field label={t('Name')}><input data-testid="group-name" value={name} onChange={(e) => setName(e.target.value)} required autoFocus /></Field>
          <div className="row">
            <button className="primary" type="submit" data-testid="group-create" disabled={action.busy || !name.trim()}>{t('Create')}</button>
            <button type="button" onClick={() => setCreating(false)}>{t('Cancel')}</button>
          </div>
        </form>
      )}
      <ErrorNote message={action.error} />
      {open && <Members key={open.id} d={d} group={open} />}
      <Table
        testId="group-table"
        rows={d.groups}
        rowKey={(g) => g.id}
        filterText={(g) => g.name}
        columns={[
          { title: t('Name'), cell: (g) => <span data-testid={`group-${g.name}`}>{g.name}</span> },
          {
            title: t('Actions'),
            cell: (g) => (
              <div className="row">
                <button data-testid={`group-open-${g.name}`} onClick={() => setOpenId(g.id === openId ? undefined : g.id)}>{t('Members')}</button>
                <button className="danger" data-testid={`group-delete-${g.name}`} disabled={action.busy} onClick={() => void remove(g)}>{t('Delete')}</button>
              </div>
            ),
          },
        ]}
      />
    </>
  );
}
