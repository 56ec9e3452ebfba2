import { useState } from 'react';
import { send } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import { useSession } from '../session.tsx';
import { ErrorNote, Field, formatBytes, Page, Table, useAction, useLoad } from '../ui.tsx';
import { ObjectBrowser } from './object-browser.tsx';
import { bucketHref, deleteObjects, listContainers, objectPath } from './object-common.tsx';

export function Buckets({ params }: { params: URLSearchParams }) {
  const bucket = params.get('bucket');
  if (bucket) return <ObjectBrowser key={bucket} bucket={bucket} prefix={params.get('prefix') ?? ''} />;
  return <BucketList />;
}

function BucketList() {
  const { t } = useI18n();
  const session = useSession();
  const { data, error, reload } = useLoad(() => listContainers(session), []);
  const action = useAction();
  const [creating, setCreating] = useState(false);
  const [name, setName] = useState('');

  const create = async () => {
    if (await action.run(() => send(session, 'object-store', objectPath(name.trim()), { method: 'PUT' }))) {
      setCreating(false);
      setName('');
      await reload();
    }
  };
  const remove = async (bucket: string, count: number) => {
    const question = count ? t('Delete bucket {name} and its {count} objects?', { name: bucket, count }) : t('Delete bucket {name}?', { name: bucket });
    if (!confirm(question)) return;
    await action.run(async () => {
      await deleteObjects(session, bucket);
      await send(session, 'object-store', objectPath(bucket), { method: 'DELETE' });
    });
    await reload();
  };

  return (
    <Page
      title={t('Buckets')}
      actions={<>
        <button onClick={() => void reload()}>{t('Refresh')}</button>
        <button className="primary" data-testid="bucket-create-open" onClick={() => setCreating(!creating)}>{t('Create bucket')}</button>
      </>}
    >
      {creating && (
        <form className="form" onSubmit={(e) => { e.preventDefault(); void create(); }}>
          <Field label={t('Name')}>
            <input data-testid="bucket-name" value={name} onChange={(e) => setName(e.target.value)} required pattern="[^\/]+" title={t('A bucket name cannot contain /')} autoFocus />
          </Field>
          <div className="row">
            <button className="primary" type="submit" data-testid="bucket-create" disabled={action.busy || !name.trim()}>{t('Create')}</button>
            <button type="button" onClick={() => setCreating(false)}>{t('Cancel')}</button>
          </div>
        </form>
      )}
      <ErrorNote message={error ?? action.error} />
      <Table
        testId="bucket-table"
        rows={data}
        rowKey={(c) => c.name}
        filterText={(c) => c.name}
        columns={[
          { title: t('Name'), cell: (c) => <a href={bucketHref(c.name)} data-testid={`bucket-${c.name}`}>{c.name}</a> },
          { title: t('Objects'), cell: (c) => c.count },
          { title: t('Size'), cell: (c) => formatBytes(c.bytes) },
          { title: t('Actions'), cell: (c) => <button className="danger" data-testid={`bucket-delete-${c.name}`} disabled={action.busy} onClick={() => void remove(c.name, c.count)}>{t('Delete')}</button> },
        ]}
      />
    </Page>
  );
}
