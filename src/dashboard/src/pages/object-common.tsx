import { ApiError, call, download, faultMessage, send, servicePath, type Session } from '../api.ts';

export interface Container {
  name: string;
  count: number;
  bytes: number;
  last_modified?: string;
}

export interface ObjectEntry {
  name: string;
  bytes: number;
  last_modified: string;
  content_type: string;
}

/** One listing row: an object, or a "folder" the delimiter folded together. */
export type Listed = ObjectEntry | { subdir: string };

/** Object names may hold any character; `/` stays a path separator so Swift sees the same name. */
export function objectPath(container: string, name = ''): string {
  const obj = name ? `/${name.split('/').map(encodeURIComponent).join('/')}` : '';
  return `/${encodeURIComponent(container)}${obj}`;
}

// Swift returns at most this many rows per request; the marker pages through the rest.
const PAGE = 10_000;

async function listAll<T>(session: Session, path: string, query: Record<string, string>, key: (row: T) => string): Promise<T[]> {
  const rows: T[] = [];
  for (;;) {
    const q = new URLSearchParams({ format: 'json', limit: String(PAGE), ...query });
    if (rows.length) q.set('marker', key(rows[rows.length - 1]!));
    const page = (await call<T[]>(session, 'object-store', `${path}?${q}`)) ?? [];
    rows.push(...page);
    if (page.length < PAGE) return rows;
  }
}

export function listContainers(session: Session): Promise<Container[]> {
  return listAll<Container>(session, '', {}, (c) => c.name);
}

/** The folders and objects directly below `prefix`. */
export function listFolder(session: Session, container: string, prefix: string): Promise<Listed[]> {
  return listAll<Listed>(session, objectPath(container), { prefix, delimiter: '/' }, (r) => ('subdir' in r ? r.subdir : r.name));
}

export function listObjects(session: Session, container: string, prefix = ''): Promise<ObjectEntry[]> {
  return listAll<ObjectEntry>(session, objectPath(container), { prefix }, (r) => r.name);
}

/** Deletes every object under `prefix` (the whole container when empty), one request each. */
export async function deleteObjects(session: Session, container: string, prefix = ''): Promise<void> {
  for (const o of await listObjects(session, container, prefix)) {
    await send(session, 'object-store', objectPath(container, o.name), { method: 'DELETE' });
  }
}

/**
 * PUT with XMLHttpRequest, not fetch: only XHR reports upload progress. The browser streams the
 * File from disk, so its size is bounded by Swift, not by memory.
 */
export function uploadObject(session: Session, container: string, name: string, file: Blob, onProgress: (sent: number) => void, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', `${servicePath(session, 'object-store')}${objectPath(container, name)}`);
    xhr.setRequestHeader('X-Auth-Token', session.token);
    xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onload = () => (xhr.status < 300 ? resolve() : reject(new ApiError(xhr.status, faultMessage(xhr.status, xhr.responseText))));
    xhr.onerror = () => reject(new ApiError(0, 'The upload failed: the connection was lost.'));
    xhr.onabort = () => reject(new ApiError(0, 'Upload cancelled.'));
    signal.addEventListener('abort', () => xhr.abort());
    xhr.send(file);
  });
}

export async function downloadObject(session: Session, container: string, name: string): Promise<void> {
  const res = await send(session, 'object-store', objectPath(container, name));
  const blob = await res.blob();
  download(name.split('/').pop() || name, blob, blob.type || 'application/octet-stream');
}

export function bucketHref(bucket: string, prefix = ''): string {
  const q = new URLSearchParams({ bucket });
  if (prefix) q.set('prefix', prefix);
  return `#/buckets?${q}`;
}

/** OpenStack timestamps are UTC, usually without a zone suffix; the user reads local time. */
export function localTime(ts: string): string {
  return new Date(/(Z|[+-]\d\d:?\d\d)$/.test(ts) ? ts : `${ts}Z`).toLocaleString();
}
