import { useState, type FormEvent } from 'react';
import { call, faultMessage, servicePath, type Session } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import { useSession } from '../session.tsx';
import { ErrorNote, Field, useAction } from '../ui.tsx';
import type { Image } from './compute-common.tsx';

const FORMATS = ['qcow2', 'raw', 'iso', 'vmdk', 'vdi', 'vhd', 'vhdx'];

function guessFormat(file: string): string {
  const ext = file.split('.').pop()?.toLowerCase() ?? '';
  return FORMATS.includes(ext) ? ext : ext === 'img' ? 'qcow2' : 'raw';
}

/** fetch cannot report upload progress; XMLHttpRequest can. */
function putFile(session: Session, imageId: string, file: File, onProgress: (share: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', `${servicePath(session, 'image')}/v2/images/${imageId}/file`);
    xhr.setRequestHeader('X-Auth-Token', session.token);
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => (xhr.status < 300 ? resolve() : reject(new Error(faultMessage(xhr.status, xhr.responseText))));
    xhr.onerror = () => reject(new Error('Upload failed'));
    xhr.send(file);
  });
}

export function UploadImage({ onDone, onClose }: { onDone: () => void; onClose: () => void }) {
  const { t } = useI18n();
  const session = useSession();
  const action = useAction();
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState('');
  const [format, setFormat] = useState('qcow2');
  const [progress, setProgress] = useState<number | null>(null);

  const pick = (f: File | null) => {
    setFile(f);
    if (!f) return;
    if (!name) setName(f.name.replace(/\.[^.]+$/, ''));
    setFormat(guessFormat(f.name));
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!file) return;
    setProgress(0);
    const ok = await action.run(async () => {
      const image = await call<Image>(session, 'image', '/v2/images', { method: 'POST', body: { name, disk_format: format, container_format: 'bare', visibility: 'private' } });
      // The empty record stays visible in the list, so the user sees it queued before the upload ends.
      onDone();
      await putFile(session, image.id, file, setProgress);
    });
    onDone();
    if (ok) onClose();
    else setProgress(null);
  };

  return (
    <form className="form" onSubmit={submit} data-testid="image-upload-form">
      <Field label={t('Image file')}>
        <input type="file" required onChange={(e) => pick(e.target.files?.[0] ?? null)} data-testid="image-file" />
      </Field>
      <Field label={t('Name')}>
        <input required value={name} onChange={(e) => setName(e.target.value)} data-testid="image-name" />
      </Field>
      <Field label={t('Disk format')}>
        <select value={format} onChange={(e) => setFormat(e.target.value)} data-testid="image-format">
          {FORMATS.map((f) => <option key={f}>{f}</option>)}
        </select>
      </Field>
      {progress !== null && (
        <div className="progress" role="progressbar" aria-valuenow={Math.round(progress * 100)} data-testid="image-upload-progress">
          <div style={{ width: `${progress * 100}%` }} />
        </div>
      )}
      <ErrorNote message={action.error} />
      <div className="row">
        <button className="primary" type="submit" disabled={action.busy || !file} data-testid="image-upload-submit">{t('Upload')}</button>
        <button type="button" onClick={onClose} disabled={action.busy}>{t('Cancel')}</button>
      </div>
    </form>
  );
}
