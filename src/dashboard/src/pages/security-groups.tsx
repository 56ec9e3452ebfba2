import { useState } from 'react';
import { useI18n } from '../i18n.tsx';
import { useSession } from '../session.tsx';
import { ErrorNote, Field, Page, Table, useAction, useLoad } from '../ui.tsx';
import { ConfirmButton, neutron } from './network-common.tsx';
import { RuleEditor, type SecurityGroup } from './network-rules.tsx';

export function SecurityGroups({ params }: { params: URLSearchParams }) {
  const { t } = useI18n();
  const session = useSession();
  const { data, error, reload } = useLoad(
    async () => (await neutron<{ security_groups: SecurityGroup[] }>(session, `/security-groups?project_id=${session.project.id}`)).security_groups,
    [session.project.id],
  );
  const action = useAction();
  const [selected, setSelected] = useState(params.get('group') ?? '');
  const [creating, setCreating] = useState(false);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const act = (fn: () => Promise<unknown>) => action.run(fn).then((ok) => { void reload(); return ok; });
  const create = async () => {
    const made = await act(async () => {
      const r = await neutron<{ security_group: SecurityGroup }>(session, '/security-groups', { method: 'POST', body: { security_group: { name, description } } });
      setSelected(r.security_group.id);
    });
    if (made) { setCreating(false); setName(''); setDescription(''); }
  };
  const group = data?.find((g) => g.id === selected);
  return (
    <Page title={t('Security groups')} actions={<button className="primary" data-testid="sg-create" onClick={() => setCreating(!creating)}>{t('Create security group')}</button>}>
      {creating && (
        <form className="form" onSubmit={(e) => { e.preventDefault(); void create(); }} data-testid="sg-create-form">
          <div className="row">
            <Field label={t('Name')}><input required value={name} onChange={(e) => setName(e.target.value)} data-testid="sg-name" /></Field>
            <Field label={t('Description')}><input value={description} onChange={(e) => setDescription(e.target.value)} data-testid="sg-description" /></Field>
          </div>
          <div className="row">
            <button className="primary" disabled={action.busy} data-testid="sg-create-submit">{t('Create')}</button>
            <button type="button" onClick={() => setCreating(false)}>{t('Cancel')}</button>
          </div>
        </form>
      )}
      <ErrorNote message={error ?? action.error} />
      <Table
        rows={data}
        rowKey={(g) => g.id}
        testId="sgs-table"
        filterText={(g) => `${g.name} ${g.description}`}
        columns={[
          { title: t('Name'), cell: (g) => <b data-testid={`sg-${g.name}`}>{g.name}</b> },
          { title: t('Description'), cell: (g) => <span className="muted">{g.description}</span> },
          { title: t('Rules'), cell: (g) => g.security_group_rules.length },
          {
            title: t('Actions'),
            cell: (g) => (
              <div className="row actions">
                <button data-testid={`sg-manage-${g.name}`} className={g.id === selected ? 'primary' : ''} onClick={() => setSelected(g.id === selected ? '' : g.id)}>{t('Manage rules')}</button>
                <ConfirmButton label={t('Delete')} testId={`sg-delete-${g.name}`} disabled={g.name === 'default'}
                  onConfirm={() => void act(() => neutron(session, `/security-groups/${g.id}`, { method: 'DELETE' }))} />
              </div>
            ),
          },
        ]}
      />
      {group && data && <RuleEditor key={group.id} group={group} groups={data} onChange={() => void reload()} />}
    </Page>
  );
}
