import { useState, type FormEvent } from 'react';
import { call } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import { useSession } from '../session.tsx';
import { ErrorNote, Field, useAction } from '../ui.tsx';
import type { Image } from './compute-common.tsx';

/** Glance's own attributes; every other key of an image is a free property (the SCS ones among them). */
const CORE = new Set([
  'id', 'name', 'status', 'visibility', 'protected', 'os_hidden', 'owner', 'checksum', 'os_hash_algo', 'os_hash_value', 'min_disk', 'min_ram',
  'size', 'virtual_size', 'container_format', 'disk_format', 'created_at', 'updated_at', 'tags', 'self', 'file', 'schema', 'locations', 'direct_url', 'stores',
]);

export function properties(image: Image): Record<string, string> {
  return Object.fromEntries(Object.entries(image).filter(([k, v]) => !CORE.has(k) && v != null).map(([k, v]) => [k, String(v)]));
}

function parse(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

type PatchOp = { op: 'add' | 'replace' | 'remove'; path: string; value?: string };

/** The JSON patch from the old properties to the new: Glance changes only what is named. */
function patch(image: Image, name: string, next: Record<string, string>): PatchOp[] {
  const old = properties(image);
  const ops: PatchOp[] = name === image.name ? [] : [{ op: 'replace', path: '/name', value: name }];
  for (const key of Object.keys(old)) if (!(key in next)) ops.push({ op: 'remove', path: `/${key}` });
  for (const [key, value] of Object.entries(next)) {
    if (old[key] !== value) ops.push({ op: key in old ? 'replace' : 'add', path: `/${key}`, value });
  }
  return ops;
}

export function EditImage({ image, onDone, onClose }: { image: Image; onDone: () => void; onClose: () => void }) {
  const { t } = useI18n();
  const session = useSession();
  const action = useAction();
  const [name, setName] = useState(image.name);
  const [text, setText] = useState(Object.entries(properties(image)).map(([k, v]) => `${k}=${v}`).join('\n'));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const ops = patch(image, name, parse(text));
    const ok = ops.length === 0 || await action.run(() => call(session, 'image', `/v2/images/${image.id}`, {
      method: 'PATCH',
      raw: JSON.stringify(ops),
      headers: { 'Content-Type': 'application/openstack-images-v2.1-json-patch' },
    }));
    if (ok) onDone();
  };
  return (
    <form className="form" onSubmit={submit} data-testid="image-edit-form">
      <h2>{t('Edit image {name}', { name: image.name })}</h2>
      <Field label={t('Name')}>
        <input required value={name} onChange={(e) => setName(e.target.value)} data-testid="image-edit-name" />
      </Field>
      <Field label={t('Properties, one key=value per line')}>
        <textarea rows={12} value={text} onChange={(e) => setText(e.target.value)} spellCheck={false} data-testid="image-edit-properties" />
      </Field>
      <ErrorNote message={action.error} />
      <div className="row">
        <button className="primary" type="submit" disabled={action.busy} data-testid="image-edit-submit">{t('Save')}</button>
        <button type="button" onClick={onClose}>{t('Cancel')}</button>
      </div>
    </form>
  );
}
