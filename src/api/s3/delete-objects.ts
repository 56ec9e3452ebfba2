import type { S3Call, S3Routes } from './context.ts';
import { toS3Error } from './errors.ts';
import { requireIntegrityHeader, sendXml } from './object-headers.ts';
import { malformedXml, parseXml, toXml } from './xml.ts';

const MAX_KEYS = 1000;
/** Deletes of one request run this many at a time: the store serialises commits anyway. */
const PARALLEL = 8;

export interface DeleteRequest {
  quiet: boolean;
  objects: { key: string; versionId?: string }[];
}

/** `<Delete><Quiet/>?<Object><Key/><VersionId/>?</Object>...</Delete>`: 1 to 1000 objects. */
export function parseDelete(text: string): DeleteRequest {
  const doc = parseXml(text, { verbatim: true }).Delete;
  if (!doc || typeof doc !== 'object') throw malformedXml();
  const { Quiet, Object: entries } = doc as { Quiet?: unknown; Object?: Record<string, unknown>[] };
  const quiet = typeof Quiet === 'string' ? Quiet.trim().toLowerCase() : undefined;
  if (Quiet !== undefined && quiet !== 'true' && quiet !== 'false') throw malformedXml();
  if (!entries || entries.length === 0 || entries.length > MAX_KEYS) throw malformedXml();
  return {
    quiet: quiet === 'true',
    objects: entries.map((entry) => {
      const { Key, VersionId } = entry;
      if (typeof Key !== 'string' || (VersionId !== undefined && typeof VersionId !== 'string')) throw malformedXml();
      return VersionId === undefined ? { key: Key } : { key: Key, versionId: VersionId.trim() };
    }),
  };
}

async function deleteObjects(call: S3Call): Promise<void> {
  requireIntegrityHeader(call.req.headers);
  const body = await call.readBody();
  const { quiet, objects } = parseDelete(body.toString('utf8'));
  const results: ({ Deleted: Record<string, unknown> } | { Error: Record<string, unknown> })[] = new Array(objects.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < objects.length; i = next++) {
      const { key, versionId } = objects[i]!;
      try {
        const r = await call.objects.deleteObject(call.caller, call.bucket!, key, { versionId });
        results[i] = {
          Deleted: {
            Key: key,
            VersionId: versionId,
            DeleteMarker: r.deleteMarker ? true : undefined,
            DeleteMarkerVersionId: r.deleteMarker ? r.versionId : undefined,
          },
        };
      } catch (err) {
        const s3 = toS3Error(err, { bucket: call.bucket, key });
        if (!s3 || s3.status >= 500) throw err;
        results[i] = { Error: { Key: key, VersionId: versionId, Code: s3.code, Message: s3.message } };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, objects.length) }, worker));
  const deleted = results.flatMap((r) => ('Deleted' in r && !quiet ? [r.Deleted] : []));
  const errors = results.flatMap((r) => ('Error' in r ? [r.Error] : []));
  sendXml(call.reply, toXml('DeleteResult', { Deleted: deleted, Error: errors }));
}

export const deleteObjectsRoutes: S3Routes = {
  'POST bucket delete': deleteObjects,
};
