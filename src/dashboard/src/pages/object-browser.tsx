import { useRef, useState } from 'react';
import { send } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import { useSession } from '../session.tsx';
import { ErrorNote, Field, formatBytes, Page, Table, useAction, useLoad } from '../ui.tsx';
import { bucketHref, deleteObjects, downloadObject, listFolder, localTime, objectPath, type Listed } from './object-common.tsx';
import { UploadList, useUploads } from './object-upload.tsx';

const rowName = (r: Listed) => ('subdir' in r ? r.subdir : r.name);

/** Buckets › bucket › a › b: each crumb opens that folder. */
function Breadcrumbs({ bucket, prefix }: { bucket: string; prefix: string }) {
  const { t } = useI18n();
  const parts = prefix.split('/').filter(Boolean);
  return (
    <nav className="crumbs" data-testid="breadcrumbs">
      <a href="#/buckets">{t('Buckets')}</a>
      <a href={bucketHref(bucket)}>{bucket}</a>
      {parts.map((p, i) => <a key={i} href={bucketHref(bucket, `${parts.slice(0, i + 1).join('/')}/`)}>{p}</a>)}
    </nav>
  );
}

export function ObjectBrowser({ bucket, prefix }: { bucket: string; prefix: string }) {
  const { t } = useI18n();
  const session = useSession();
  // The folder's own marker object (`a/b/`) is the folder itself, not a row inside it.
  const { data, error, reload } = useLoad(async () => (await listFolder(session, bucket, prefix)).filter((r) => rowName(r) !== prefix), [prefix]);
  const action = useAction();
  const uploads = useUploads(bucket, prefix, () => void reload());
  const fileInput = useRef<HTMLInputElement>(null);
  const [folder, setFolder] = useState<string | undefined>();

  const createFolder = async () => {
    const name = `${prefix}${folder!.trim().replace(/^\/+|\/+$/g, '')}/`;
    if (await action.run(() => send(session, 'object-store', objectPath(bucket, name), { method: 'PUT', raw: '' }))) {
      setFolder(undefined);
      await reload();
    }
  };
  const remove = async (r: Listed) => {
    const name = rowName(r);
    const folderRow = 'subdir' in r;
    if (!confirm(folderRow ? t('Delete folder {name} and everything in it?', { name }) : t('Delete {name}?', { name }))) return;
    await action.run(() => (folderRow ? deleteObjects(session, bucket, name) : send(session, 'object-store', objectPath(bucket, name), { method: 'DELETE' })));
    await reload();
  };

  return (
    <Page
      title={bucket}
      actions={<>
        <button onClick={() => void reload()}>{t('Refresh')}</button>
        <button data-testid="folder-create-open" onClick={() => setFolder(folder === undefined ? '' : undefined)}>{t('New folder')}</button>
        <button className="primary" data-testid="object-upload-open" onClick={() => fileInput.current?.click()}>{t('Upload')}</button>
        <input ref={fileInput} type="file" multiple hidden data-testid="object-upload" onChange={(e) => { uploads.start(e.target.files ?? []); e.target.value = ''; }} />
      </>}
    >
      <Breadcrumbs bucket={bucket} prefix={prefix} />
      {folder !== undefined && (
        <form className="form" onSubmit={(e) => { e.preventDefault(); void createFolder(); }}>
          <Field label={t('Folder name')}>
            <input data-testid="folder-name" value={folder} onChange={(e) => setFolder(e.target.value)} autoFocus />
          </Field>
          <div className="row">
            <button className="primary" type="submit" data-testid="folder-create" disabled={action.busy || !folder.trim()}>{t('Create')}</button>
            <button type="button" onClick={() => setFolder(undefined)}>{t('Cancel')}</button>
          </div>
        </form>
      )}
      <UploadList {...uploads} />
      <ErrorNote message={error ?? action.error} />
      <div
        className="drop-zone"
        onDragOver={(e) => e.preventDefault()}
        onDrop={(e) => { e.preventDefault(); uploads.start(e.dataTransfer.files); }}
      >
        <Table
          testId="object-table"
          rows={data}
          rowKey={rowName}
          pageSize={50}
          filterText={rowName}
          columns={[
            {
              title: t('Name'),
              cell: (r) => {
                const short = rowName(r).slice(prefix.length);
                return 'subdir' in r
                  ? <a href={bucketHref(bucket, r.subdir)} data-testid={`folder-${short}`}>📁 {short}</a>
                  : <span data-testid={`object-${short}`}>{short}</span>;
              },
            },
            { title: t('Size'), cell: (r) => ('subdir' in r ? '' : formatBytes(r.bytes)) },
            { title: t('Last modified'), cell: (r) => ('subdir' in r ? '' : localTime(r.last_modified)) },
            {
              title: t('Actions'),
              cell: (r) => {
                const short = rowName(r).slice(prefix.length);
                return (
                  <div className="row">
                    {!('subdir' in r) && <button data-testid={`object-download-${short}`} onClick={() => void action.run(() => downloadObject(session, bucket, r.name))}>{t('Download')}</button>}
                    <button className="danger" data-testid={`object-delete-${short}`} disabled={action.busy} onClick={() => void remove(r)}>{t('Delete')}</button>
                  </div>
                );
              },
            },
          ]}
        />
        <p className="muted">{t('Drop files here to upload them into this folder.')}</p>
      </div>
    </Page>
  );
}
