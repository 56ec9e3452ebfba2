import { formatBytes } from '../ui.tsx';
import { useRef, useState } from 'react';
import { useI18n } from '../i18n.tsx';
import { useSession } from '../session.tsx';
import { uploadObject } from './object-common.tsx';

interface Upload {
  id: number;
  name: string;
  size: number;
  sent: number;
  error?: string;
  controller: AbortController;
}

/** Uploads files into one folder, one at a time, so each progress bar moves at full speed. */
export function useUploads(bucket: string, prefix: string, onUploaded: () => void) {
  const session = useSession();
  const [uploads, setUploads] = useState<Upload[]>([]);
  const queue = useRef(Promise.resolve());
  const nextId = useRef(0);

  const update = (id: number, change: Partial<Upload>) => setUploads((all) => all.map((u) => (u.id === id ? { ...u, ...change } : u)));
  const start = (files: FileList | File[]) => {
    for (const file of Array.from(files)) {
      const u: Upload = { id: nextId.current++, name: prefix + file.name, size: file.size, sent: 0, controller: new AbortController() };
      setUploads((all) => [...all, u]);
      queue.current = queue.current.then(async () => {
        if (u.controller.signal.aborted) return;
        try {
          await uploadObject(session, bucket, u.name, file, (sent) => update(u.id, { sent }), u.controller.signal);
          setUploads((all) => all.filter((x) => x.id !== u.id));
          onUploaded();
        } catch (err) {
          update(u.id, { error: err instanceof Error ? err.message : String(err) });
        }
      });
    }
  };
  const dismiss = (u: Upload) => {
    u.controller.abort();
    setUploads((all) => all.filter((x) => x.id !== u.id));
  };
  return { uploads, start, dismiss };
}

export function UploadList({ uploads, dismiss }: ReturnType<typeof useUploads>) {
  const { t } = useI18n();
  if (!uploads.length) return null;
  return (
    <div className="uploads" data-testid="uploads">
      {uploads.map((u) => {
        const share = u.size ? u.sent / u.size : 1;
        return (
          <div key={u.id} className="upload" data-testid={`upload-${u.name}`}>
            <div className="upload-label">
              <span>{u.name}</span>
              <span className="muted">{u.error ? <span className="error-text">{u.error}</span> : `${formatBytes(u.sent)} / ${formatBytes(u.size)}`}</span>
              <button onClick={() => dismiss(u)}>{u.error ? t('Dismiss') : t('Cancel')}</button>
            </div>
            <div className="progress" role="progressbar" aria-valuenow={Math.round(share * 100)} aria-valuemin={0} aria-valuemax={100}>
              <div style={{ width: `${share * 100}%` }} />
            </div>
          </div>
        );
      })}
    </div>
  );
}
