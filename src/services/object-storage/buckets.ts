import { projectId } from '../../platform/auth.ts';
import { checkPolicy, denied, roleAllows } from './access.ts';
import type { ObjectCore } from './core.ts';
import { ObjectError } from './errors.ts';
import { toBucket } from './model.ts';
import { checkBucketName } from './names.ts';
import type { BucketTable } from './tables.ts';
import type { Account, Action, Bucket, BucketPatch, Caller, CannedAcl, CorsRule, Quota } from './types.ts';

export const REGION = 'RegionOne';

/** Buckets (Swift containers) and the per-project account that holds them. */
export class Buckets {
  constructor(private readonly core: ObjectCore) {}

  private get db() {
    return this.core.d.db;
  }

  /** The caller acts on its own project's account: reading needs a role there, writing a writer role. */
  private ownAccount(caller: Caller, project: string, action: Action): void {
    if (!caller || projectId(caller) !== project || !roleAllows(caller, action)) throw denied();
  }

  async getAccount(caller: Caller, project: string): Promise<Account> {
    this.ownAccount(caller, project, 's3:ListAllMyBuckets');
    return this.account(project);
  }

  private async account(project: string): Promise<Account> {
    const row = await this.db.selectFrom('object_accounts').selectAll().where('project_id', '=', project).executeTakeFirst();
    const usage = await this.db.selectFrom('buckets')
      .select((eb) => [
        eb.fn.countAll<number>().as('buckets'), eb.fn.sum<number>('object_count').as('objects'), eb.fn.sum<number>('bytes_used').as('bytes'),
        eb.fn.min<number | null>('created_at').as('created'),
      ])
      .where('project_id', '=', project).executeTakeFirstOrThrow();
    return {
      projectId: project,
      meta: row ? JSON.parse(row.meta) as Record<string, string> : {},
      quota: { bytes: row?.quota_bytes ?? undefined, objects: row?.quota_objects ?? undefined },
      bucketCount: Number(usage.buckets),
      objectCount: Number(usage.objects ?? 0),
      bytesUsed: Number(usage.bytes ?? 0),
      createdAt: new Date(usage.created ?? this.core.d.now()),
    };
  }

  /** Metadata needs a writer role in the project; quotas need the cloud's `admin` role (Swift's reseller admin). */
  async updateAccount(caller: Caller, project: string, patch: { meta?: Record<string, string>; quota?: Quota }): Promise<Account> {
    const admin = caller?.roles.some((r) => r.name === 'admin') ?? false;
    if (patch.quota !== undefined && !admin) throw denied();
    if (!admin) this.ownAccount(caller, project, 's3:PutBucketConfig');
    const current = await this.account(project);
    const meta = mergeMeta(current.meta, patch.meta);
    const quota = patch.quota ?? current.quota;
    const row = { project_id: project, meta: JSON.stringify(meta), quota_bytes: quota.bytes ?? null, quota_objects: quota.objects ?? null };
    await this.db.insertInto('object_accounts').values(row)
      .onConflict((oc) => oc.column('project_id').doUpdateSet({ meta: row.meta, quota_bytes: row.quota_bytes, quota_objects: row.quota_objects })).execute();
    return { ...current, meta, quota };
  }

  async list(caller: Caller, project: string): Promise<Bucket[]> {
    this.ownAccount(caller, project, 's3:ListAllMyBuckets');
    const rows = await this.db.selectFrom('buckets').selectAll().where('project_id', '=', project).orderBy('name').execute();
    return rows.map(toBucket);
  }

  async create(caller: Caller, name: string, o: { region?: string; acl?: CannedAcl; meta?: Record<string, string>; swiftRead?: string; swiftWrite?: string; naming?: 's3' | 'swift' }): Promise<Bucket> {
    checkBucketName(name, o.naming);
    const project = caller ? projectId(caller) : undefined;
    if (!project || !roleAllows(caller, 's3:CreateBucket')) throw denied();
    if (o.region !== undefined && o.region !== REGION) {
      throw new ObjectError('InvalidArgument', `The specified location-constraint is not valid: ${o.region}`, { argument: 'LocationConstraint' });
    }
    const row: BucketTable = {
      name, project_id: project, created_at: this.core.d.now(), region: REGION, versioning: null, acl: o.acl ?? 'private',
      policy: null, cors: null, lifecycle: null, tags: null, encryption: null, meta: JSON.stringify(mergeMeta({}, o.meta)),
      swift_read: o.swiftRead ?? null, swift_write: o.swiftWrite ?? null, quota_bytes: null, quota_objects: null, object_count: 0, bytes_used: 0,
    };
    const inserted = await this.db.insertInto('buckets').values(row).onConflict((oc) => oc.column('name').doNothing()).executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) {
      const existing = await this.core.bucketRow(name);
      if (existing.project_id === project) throw new ObjectError('BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.', { bucket: name });
      throw new ObjectError('BucketAlreadyExists', 'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.', { bucket: name });
    }
    return toBucket(row);
  }

  async get(caller: Caller, name: string, action: Action = 's3:ListBucket'): Promise<Bucket> {
    return toBucket(await this.core.authorized(caller, name, action));
  }

  async cors(name: string): Promise<CorsRule[] | undefined> {
    const row = await this.db.selectFrom('buckets').select('cors').where('name', '=', name).executeTakeFirst();
    return row?.cors ? JSON.parse(row.cors) as CorsRule[] : undefined;
  }

  async update(caller: Caller, name: string, patch: BucketPatch): Promise<Bucket> {
    const row = await this.core.authorized(caller, name, 's3:PutBucketConfig');
    if (patch.quota !== undefined && !caller?.roles.some((r) => ['admin', 'member', 'manager'].includes(r.name))) throw denied();
    if (typeof patch.policy === 'string') {
      const problem = checkPolicy(patch.policy, name);
      if (problem) throw new ObjectError('MalformedPolicy', problem, { bucket: name });
    }
    const set: Partial<BucketTable> = {};
    const text = (v: unknown) => (v === null ? null : JSON.stringify(v));
    if (patch.versioning !== undefined) set.versioning = patch.versioning;
    if (patch.acl !== undefined) set.acl = patch.acl;
    if (patch.policy !== undefined) set.policy = patch.policy;
    if (patch.cors !== undefined) set.cors = text(patch.cors);
    if (patch.lifecycle !== undefined) set.lifecycle = text(patch.lifecycle);
    if (patch.tags !== undefined) set.tags = text(patch.tags);
    if (patch.encryption !== undefined) set.encryption = text(patch.encryption);
    if (patch.meta !== undefined) set.meta = JSON.stringify(mergeMeta(JSON.parse(row.meta) as Record<string, string>, patch.meta));
    if (patch.swiftRead !== undefined) set.swift_read = patch.swiftRead || null;
    if (patch.swiftWrite !== undefined) set.swift_write = patch.swiftWrite || null;
    if (patch.quota !== undefined) {
      set.quota_bytes = patch.quota.bytes ?? null;
      set.quota_objects = patch.quota.objects ?? null;
    }
    if (Object.keys(set).length) await this.db.updateTable('buckets').set(set).where('name', '=', name).execute();
    return toBucket({ ...row, ...set });
  }

  async delete(caller: Caller, name: string): Promise<void> {
    const row = await this.core.bucketRow(name);
    if (!caller || projectId(caller) !== row.project_id || !roleAllows(caller, 's3:DeleteBucket')) throw denied();
    // Objects past their X-Delete-At are gone for every reader and listing; the periodic sweep
    // may just not have reached them yet, so they do not keep the bucket.
    const reaped: string[] = [];
    await this.db.transaction().execute(async (trx) => {
      const expired = await trx.selectFrom('objects').select(['key', 'version_id']).where('bucket', '=', name)
        .where('delete_at', '<=', Math.floor(this.core.d.now() / 1000)).execute();
      for (const e of expired) {
        const removed = await this.core.removeVersion(trx, name, e.key, e.version_id);
        if (removed) reaped.push(...JSON.parse(removed.segments) as string[]);
      }
      const object = await trx.selectFrom('objects').select('key').where('bucket', '=', name).limit(1).executeTakeFirst();
      const upload = await trx.selectFrom('object_uploads').select('upload_id').where('bucket', '=', name).limit(1).executeTakeFirst();
      if (object || upload) throw new ObjectError('BucketNotEmpty', 'The bucket you tried to delete is not empty', { bucket: name });
      await trx.deleteFrom('buckets').where('name', '=', name).execute();
    });
    await this.core.d.store.remove(reaped);
  }
}

/** Swift metadata semantics: names are case-insensitive; an empty value removes one. */
function mergeMeta(current: Record<string, string>, patch: Record<string, string> | undefined): Record<string, string> {
  const next = { ...current };
  for (const [k, v] of Object.entries(patch ?? {})) {
    if (v === '') delete next[k.toLowerCase()];
    else next[k.toLowerCase()] = v;
  }
  return next;
}
