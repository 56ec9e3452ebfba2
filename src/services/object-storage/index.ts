import type { SealingKey } from '../../platform/crypto.ts';
import type { Db } from '../../platform/db/index.ts';
import type { Logger } from '../../platform/log.ts';
import { Buckets } from './buckets.ts';
import { ObjectCore } from './core.ts';
import { Lifecycle } from './lifecycle.ts';
import { Listing } from './listing.ts';
import { Multipart } from './multipart.ts';
import { Objects } from './objects.ts';
import { SegmentStore } from './segment-store.ts';
import type { ObjectBackend } from './types.ts';

export type * from './types.ts';
export { ObjectError, type ObjectErrorKind } from './errors.ts';
export { REGION } from './buckets.ts';

export interface ObjectStorage extends ObjectBackend {
  /** Removes what a crash left behind (temporaries, unreferenced data), then runs lifecycle periodically. */
  start(): Promise<void>;
  stop(): void;
}

export interface ObjectStorageOptions {
  /** Where data files live: `<stateDir>/objects`. */
  dir: string;
  /** Wraps every object's data key; kept apart from data and database (`<stateDir>/keys/object.key`). */
  masterKey: SealingKey;
  log: Logger;
  /**
   * A lifecycle "day" in milliseconds; shorter only for tests (RGW's `rgw_lc_debug_interval`).
   * Lifecycle and `X-Delete-At` expiry run every minute, or four times a shortened day.
   */
  dayMs?: number;
}

export function createObjectStorage(db: Db, o: ObjectStorageOptions): ObjectStorage {
  const core = new ObjectCore({ db, store: new SegmentStore(o.dir, o.masterKey), log: o.log, now: Date.now });
  const buckets = new Buckets(core);
  const objects = new Objects(core);
  const listing = new Listing(core);
  const multipart = new Multipart(core, objects);
  const dayMs = o.dayMs ?? 86_400_000;
  const lifecycle = new Lifecycle(core, objects, multipart, dayMs);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const sweep = () => {
    running ??= lifecycle.run()
      .catch((err: unknown) => o.log.error({ err }, 'object lifecycle run failed'))
      .finally(() => { running = undefined; });
  };
  return {
    async start() {
      const known = new Set((await db.selectFrom('object_segments').select('id').execute()).map((r) => r.id));
      const removed = await core.d.store.sweep((id) => known.has(id));
      if (removed) o.log.info({ removed }, 'removed object data files no committed object refers to');
      sweep();
      timer = setInterval(sweep, Math.min(60_000, dayMs / 4));
      timer.unref();
    },
    stop() {
      clearInterval(timer);
    },
    getAccount: (c, p) => buckets.getAccount(c, p),
    updateAccount: (c, p, patch) => buckets.updateAccount(c, p, patch),
    listBuckets: (c, p) => buckets.list(c, p),
    createBucket: (c, n, opts) => buckets.create(c, n, opts),
    getBucket: (c, n, action) => buckets.get(c, n, action),
    bucketCors: (n) => buckets.cors(n),
    updateBucket: (c, n, patch) => buckets.update(c, n, patch),
    deleteBucket: (c, n) => buckets.delete(c, n),
    putObject: (c, b, k, data, opts) => objects.put(c, b, k, data, opts),
    getObject: (c, b, k, opts) => objects.get(c, b, k, opts),
    headObject: (c, b, k, opts) => objects.head(c, b, k, opts),
    deleteObject: (c, b, k, opts) => objects.delete(c, b, k, opts),
    copyObject: (c, src, b, k, opts) => objects.copy(c, src, b, k, opts),
    updateObjectMeta: (c, b, k, patch) => objects.updateMeta(c, b, k, patch),
    setObjectTags: (c, b, k, opts, tags) => objects.setTags(c, b, k, opts, tags),
    listObjects: (c, b, opts) => listing.objects(c, b, opts),
    listObjectVersions: (c, b, opts) => listing.versions(c, b, opts),
    createUpload: (c, b, k, opts) => multipart.create(c, b, k, opts),
    uploadPart: (c, b, k, u, n, data, opts) => multipart.uploadPart(c, b, k, u, n, data, opts),
    uploadPartCopy: (c, b, k, u, n, src) => multipart.uploadPartCopy(c, b, k, u, n, src),
    listParts: (c, b, k, u, opts) => multipart.listParts(c, b, k, u, opts),
    listUploads: (c, b, opts) => multipart.listUploads(c, b, opts),
    completeUpload: (c, b, k, u, parts, opts) => multipart.complete(c, b, k, u, parts, opts),
    abortUpload: (c, b, k, u) => multipart.abort(c, b, k, u),
  };
}
