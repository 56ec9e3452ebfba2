import { useState } from 'react';
import { useI18n } from '../i18n.tsx';
import { useSession } from '../session.tsx';
import { ErrorNote, Field, Table, useAction } from '../ui.tsx';
import { identityCall, type DomainData, type Project } from './identity-common.tsx';

export function ProjectsTab({ d }: { d: DomainData }) {
  const { t } = useI18n();
  const session = useSession();
  const action = useAction();
  const [creating, setCreating] = useState(false);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');

  const create = async () => {
    const project = { name: name.trim(), description, domain_id: d.domainId, enabled: true };
    if (await action.run(() => identityCall(d.ds, '/projects', 'POST', { project }))) {
      setCreating(false);
      setName('');
      setDescription('');
      await d.reload();
    }
  };
  const remove = async (p: Project) => {
    if (!confirm(t('Delete project {name}? Its resources are not deleted with it.', { name: p.name }))) return;
    await action.run(() => identityCall(d.ds, `/projects/${p.id}`, 'DELETE'));
    await d.reload();
  };

  return (
    <>
      <div className="row">
        <button className="primary" data-testid="project-create-open" onClick={() => setCreating(!creating)}>{t('Create project')}</button>
      </div>
      {creating && (
        <form className="form" onSubmit={(e) => { e.preventDefault(); void create(); }}>
          <Field label={t('Name')}><input data-testid="project-name" value={name} onChange={(e) => setName(e.target.value)} required autoFocus /></Field>
          <Field label={t('Description')}><input data-testid="project-description" value={description} onChange={(e) => setDescription(e.target.value)} /></Field>
          <div className="row">
            <button className="primary" type="submit" data-testid="project-create" disabled={action.busy || !name.trim()}>{t('Create')}</button>
            <button type="button" onClick={() => setCreating(false)}>{t('Cancel')}</button>
          </div>
        </form>
      )}
      <ErrorNote message={action.error} />
      <Table
        testId="project-table"
        rows={d.projects}
        rowKey={(p) => p.id}
        filterText={(p) => `${p.name} ${p.description ?? ''}`}
        columns={[
          { title: t('Name'), cell: (p) => <span data-testid={`project-${p.name}`}>{p.name}</span> },
          { title: t('Description'), cell: (p) => p.description },
          { title: 'ID', cell: (p) => <code>{p.id}</code> },
          {
            title: t('Actions'),
            cell: (p) => p.id !== session.project.id && (
              <button className="danger" data-testid={`project-delete-${p.name}`} disabled={action.busy} onClick={() => void remove(p)}>{t('Delete')}</button>
            ),
          },
        ]}
      />
    </>
  );
}
