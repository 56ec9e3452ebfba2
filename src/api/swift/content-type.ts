import { extname } from 'node:path';

/**
 * The types Swift's `mimetypes.guess_type` gives the common extensions, for objects PUT
 * without a Content-Type (or with `X-Detect-Content-Type: true`).
 */
const BY_EXTENSION: Record<string, string> = {
  '.txt': 'text/plain', '.html': 'text/html', '.htm': 'text/html', '.css': 'text/css', '.csv': 'text/csv',
  '.js': 'text/javascript', '.json': 'application/json', '.xml': 'application/xml', '.md': 'text/markdown',
  '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.svg': 'image/svg+xml',
  '.webp': 'image/webp', '.ico': 'image/vnd.microsoft.icon', '.pdf': 'application/pdf', '.zip': 'application/zip',
  '.gz': 'application/gzip', '.tar': 'application/x-tar', '.iso': 'application/x-iso9660-image', '.mp4': 'video/mp4', '.mp3': 'audio/mpeg', '.wasm': 'application/wasm',
  '.yaml': 'application/yaml', '.yml': 'application/yaml', '.sh': 'application/x-sh',
};

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

export function guessContentType(name: string): string {
  return BY_EXTENSION[extname(name).toLowerCase()] ?? DEFAULT_CONTENT_TYPE;
}

/**
 * A stored content type and the parameters Swift hides in it: a static large object's manifest
 * keeps `swift_bytes` (the large object's size, which listings show) as Swift's SLO does, and
 * here also `slo_etag` (its ETag), so neither needs the manifest read.
 */
export interface StoredContentType {
  contentType: string;
  swiftBytes?: number;
  sloEtag?: string;
}

export function splitContentType(stored: string): StoredContentType {
  const kept: string[] = [];
  const out: StoredContentType = { contentType: '' };
  for (const part of stored.split(';')) {
    const [name, value] = part.trim().split('=', 2);
    if (name === 'swift_bytes' && value !== undefined && /^\d+$/.test(value)) out.swiftBytes = Number(value);
    else if (name === 'slo_etag' && value) out.sloEtag = value;
    else kept.push(part);
  }
  out.contentType = kept.join(';');
  return out;
}

export function joinContentType(t: StoredContentType): string {
  let out = t.contentType;
  if (t.swiftBytes !== undefined) out += `;swift_bytes=${t.swiftBytes}`;
  if (t.sloEtag !== undefined) out += `;slo_etag=${t.sloEtag}`;
  return out;
}
