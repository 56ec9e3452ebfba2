import { useState } from 'react';
import { call } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import { hasRole, useSession } from '../session.tsx';
import { ErrorNote, formatBytes, Page, StatusBadge, Table, useAction, useLoad } from '../ui.tsx';
import { listImages, type Image } from './compute-common.tsx';
import { EditImage, properties } from './compute-image-edit.tsx';
import { UploadImage } from './compute-image-upload.tsx';

/** The scs-0102 image metadata a user chooses an image by. */
const SCS_KEYS = ['os_distro', 'os_version', 'architecture', 'image_original_user', 'image_build_date', 'replace_frequency', 'provided_until'];
const pollWhileBusy = (images: Image[]) => (images.some((i) => ['queued', 'saving', 'importing'].includes(i.status)) ? 3000 : undefined);

function ScsProperties({ image }: { image: Image }) {
  const props = properties(image);
  const shown = SCS_KEYS.filter((k) => props[k]);
  if (shown.length === 0) return <span className="muted">–</span>;
  return <div className="props">{shown.map((k) => <div key={k}><span className="muted">{k}:</span> {props[k]}</div>)}</div>;
}

export function Images() {
  const { t } = useI18n();
  const session = useSession();
  const { data, error, reload } = useLoad(() => listImages(session), [session.project.id], pollWhileBusy);
  const action = useAction();
  const [uploading, setUploading] = useState(false);
  const [editing, setEditing] = useState<Image | null>(null);
  const mine = (i: Image) => i.owner === session.project.id || hasRole(session, 'admin');

  const remove = async (i: Image) => {
    if (!confirm(t('Delete image {name}?', { name: i.name }))) return;
    if (await action.run(() => call(session, 'image', `/v2/images/${i.id}`, { method: 'DELETE' }))) await reload();
  };

  return (
    <Page title={t('Images')} actions={<button className="primary" onClick={() => setUploading(!uploading)} data-testid="image-upload">{t('Upload image')}</button>}>
      {uploading && <UploadImage onDone={() => void reload()} onClose={() => setUploading(false)} />}
      {editing && <EditImage key={editing.id} image={editing} onClose={() => setEditing(null)} onDone={() => { setEditing(null); void reload(); }} />}
      <ErrorNote message={action.error ?? error} />
      <Table
        testId="images"
        rows={data}
        rowKey={(i) => i.id}
        filterText={(i) => `${i.name} ${i.status} ${i.visibility} ${Object.values(properties(i)).join(' ')}`}
        columns={[
          { title: t('Name'), cell: (i) => <b data-testid={`image-${i.name}`}>{i.name}</b> },
          { title: t('Status'), cell: (i) => <span data-testid={`image-status-${i.name}`}><StatusBadge status={i.status} /></span> },
          { title: t('Size'), cell: (i) => formatBytes(i.size) },
          { title: t('Format'), cell: (i) => i.disk_format ?? '–' },
          { title: t('Visibility'), cell: (i) => t(i.visibility) },
          { title: t('SCS properties'), cell: (i) => <ScsProperties image={i} /> },
          {
            title: t('Actions'),
            cell: (i) => mine(i) && (
              <div className="row">
                <button onClick={() => setEditing(i)} data-testid={`image-edit-${i.name}`}>{t('Edit')}</button>
                <button className="danger" onClick={() => remove(i)} data-testid={`image-delete-${i.name}`}>{t('Delete')}</button>
              </div>
            ),
          },
        ]}
      />
    </Page>
  );
}
