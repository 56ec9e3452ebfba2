import type { AuthContext } from '../../platform/auth.ts';
import { bool } from '../../platform/db/index.ts';
import { uuid } from '../../platform/ids.ts';
import { badRequest, callerProject, conflict, enforce, flag, isAdmin, json, notFound, now, type ComputeDeps } from './deps.ts';
import { SCS_FLAVORS, scsExtraSpecs } from './scs-flavors.ts';
import type { FlavorTable } from './tables.ts';

export interface Flavor extends Omit<FlavorTable, 'is_public' | 'disabled' | 'extra_specs' | 'created_at'> {
  is_public: boolean;
  disabled: boolean;
  extra_specs: Record<string, string>;
}

export interface FlavorCreate {
  name: string;
  /** Free string; a UUID is generated when absent. */
  id?: string | null;
  ram: number;
  vcpus: number;
  disk: number;
  ephemeral?: number;
  swap?: number;
  rxtx_factor?: number;
  is_public?: boolean;
  description?: string | null;
}

export interface FlavorQuery {
  minRam?: number;
  minDisk?: number;
  /**
   * Nova's `is_public` parameter, for admins only: absent or true means public flavors and those
   * shared with the caller's project, false private ones only, `None` all.
   */
  isPublic?: string;
  sortKey?: string;
  sortDir?: 'asc' | 'desc';
  limit?: number;
  marker?: string;
}

export interface FlavorAccess {
  flavor_id: string;
  tenant_id: string;
}

/** Nova's `max_limit`: a list never returns more, and a full page gets a `next` link. */
export const MAX_LIMIT = 1000;

/** Nova's flavor sort keys (its 2.75 query schema) mapped to our columns; internal ids order as creation does. */
const FLAVOR_SORT_KEYS: Record<string, keyof FlavorTable> = {
  created_at: 'created_at', description: 'description', disabled: 'disabled', ephemeral_gb: 'ephemeral', flavorid: 'id', id: 'created_at',
  is_public: 'is_public', memory_mb: 'ram', name: 'name', root_gb: 'disk', rxtx_factor: 'rxtx_factor', swap: 'swap', updated_at: 'created_at',
  vcpu_weight: 'created_at', vcpus: 'vcpus',
};

function toFlavor(r: FlavorTable): Flavor {
  return {
    id: r.id, name: r.name, description: r.description, vcpus: r.vcpus, ram: r.ram, disk: r.disk, ephemeral: r.ephemeral, swap: r.swap,
    rxtx_factor: r.rxtx_factor, is_public: bool(r.is_public), disabled: bool(r.disabled), extra_specs: json<Record<string, string>>(r.extra_specs),
  };
}

/** oslo's strict `bool_from_string`, plus Nova's `None`. */
function parseIsPublic(v: string | undefined): boolean | null {
  const s = v?.trim().toLowerCase() ?? 'true';
  if (s === 'none') return null;
  if (['1', 't', 'true', 'on', 'y', 'yes'].includes(s)) return true;
  if (['0', 'f', 'false', 'off', 'n', 'no'].includes(s)) return false;
  throw badRequest(`Invalid is_public filter [${v}]`);
}

const flavorNotFound = (id: string) => notFound(`Flavor ${id} could not be found.`);

function compare(a: FlavorTable, b: FlavorTable, key: keyof FlavorTable): number {
  const x = a[key];
  const y = b[key];
  if (x === y) return 0;
  if (x === null) return -1;
  if (y === null) return 1;
  return x < y ? -1 : 1;
}

/** Nova's flavors with extra specs and project access; admins manage them, everyone reads the visible ones. */
export class Flavors {
  constructor(private readonly d: ComputeDeps) {}

  /**
   * Creates the SCS standard flavors (scs-0103) that are missing, with their names as ids, so the
   * same `--flavor SCS-2V-4` works on every install and the name resolves with one GET.
   */
  async bootstrap(): Promise<void> {
    let created = 0;
    for (const f of SCS_FLAVORS) {
      const exists = await this.d.db.selectFrom('flavors').select('id').where((eb) => eb.or([eb('id', '=', f.name), eb('name', '=', f.name)])).executeTakeFirst();
      if (exists) continue;
      await this.d.db.insertInto('flavors').values({
        id: f.name, name: f.name, description: null, vcpus: f.vcpus, ram: f.ramGiB * 1024, disk: f.diskGB, ephemeral: 0, swap: 0, rxtx_factor: 1,
        is_public: 1, disabled: 0, extra_specs: JSON.stringify(scsExtraSpecs(f)), created_at: now(),
      }).execute();
      created++;
    }
    if (created > 0) this.d.log.info({ created }, 'created SCS standard flavors');
  }

  /** Nova's flavor list: visibility, filters, sort and keyset paging behind `marker`. */
  async list(ctx: AuthContext, q: FlavorQuery): Promise<{ items: Flavor[]; nextMarker?: string }> {
    const admin = isAdmin(this.d, ctx);
    const shared = await this.sharedWith(callerProject(ctx));
    const sortKey = FLAVOR_SORT_KEYS[q.sortKey ?? 'flavorid'];
    if (!sortKey) throw badRequest(`Invalid input for query parameters sort_key. Value: ${q.sortKey}.`);
    const dir = q.sortDir === 'desc' ? -1 : 1;
    const visible = (await this.d.db.selectFrom('flavors').selectAll().execute())
      .filter((r) => admin || bool(r.is_public) || shared.has(r.id))
      .sort((a, b) => dir * (compare(a, b, sortKey) || compare(a, b, 'id')));
    let start = 0;
    if (q.marker !== undefined) {
      const at = visible.findIndex((r) => r.id === q.marker);
      if (at < 0) throw badRequest(`marker [${q.marker}] not found`);
      start = at + 1;
    }
    // Nova forces `is_public=True` for everyone but admins, who may widen it with `None`.
    const isPublic = admin ? parseIsPublic(q.isPublic) : true;
    const limit = Math.min(q.limit ?? MAX_LIMIT, MAX_LIMIT);
    const items = visible.slice(start).filter((r) =>
      (isPublic === null || (isPublic ? bool(r.is_public) || shared.has(r.id) : !bool(r.is_public)))
      && (admin || !bool(r.disabled))
      && (q.minRam === undefined || r.ram >= q.minRam)
      && (q.minDisk === undefined || r.disk >= q.minDisk)).slice(0, limit).map(toFlavor);
    return items.length > 0 && items.length === limit ? { items, nextMarker: items.at(-1)!.id } : { items };
  }

  /** A flavor the caller may see: public, shared with its project, or any for admins. */
  async get(ctx: AuthContext, id: string): Promise<Flavor> {
    const row = await this.d.db.selectFrom('flavors').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row || !(bool(row.is_public) || isAdmin(this.d, ctx) || (await this.sharedWith(callerProject(ctx))).has(id))) throw flavorNotFound(id);
    return toFlavor(row);
  }

  async create(ctx: AuthContext, input: FlavorCreate): Promise<Flavor> {
    enforce(this.d, ctx, 'os_compute_api:os-flavor-manage:create');
    const row: FlavorTable = {
      id: input.id ?? uuid(), name: input.name.trim(), description: input.description ?? null, vcpus: input.vcpus, ram: input.ram, disk: input.disk,
      ephemeral: input.ephemeral ?? 0, swap: input.swap ?? 0, rxtx_factor: input.rxtx_factor ?? 1, is_public: flag(input.is_public ?? true), disabled: 0,
      extra_specs: '{}', created_at: now(),
    };
    await this.d.db.transaction().execute(async (tx) => {
      if (await tx.selectFrom('flavors').select('id').where('id', '=', row.id).executeTakeFirst()) throw conflict(`Flavor with ID ${row.id} already exists.`);
      if (await tx.selectFrom('flavors').select('id').where('name', '=', row.name).executeTakeFirst()) throw conflict(`Flavor with name ${row.name} already exists.`);
      await tx.insertInto('flavors').values(row).execute();
    });
    return toFlavor(row);
  }

  /** 2.55: the description is the one thing that changes on a flavor. */
  async updateDescription(ctx: AuthContext, id: string, description: string | null): Promise<Flavor> {
    enforce(this.d, ctx, 'os_compute_api:os-flavor-manage:update');
    await this.get(ctx, id);
    await this.d.db.updateTable('flavors').set({ description }).where('id', '=', id).execute();
    return this.get(ctx, id);
  }

  /** Servers keep the copy of the flavor they booted with, so deleting one in use is fine (as in Nova). */
  async delete(ctx: AuthContext, id: string): Promise<void> {
    enforce(this.d, ctx, 'os_compute_api:os-flavor-manage:delete');
    const res = await this.d.db.deleteFrom('flavors').where('id', '=', id).executeTakeFirst();
    if (Number(res.numDeletedRows) === 0) throw flavorNotFound(id);
  }

  async extraSpecs(ctx: AuthContext, id: string): Promise<Record<string, string>> {
    enforce(this.d, ctx, 'os_compute_api:os-flavor-extra-specs:index', { project_id: callerProject(ctx) });
    return (await this.get(ctx, id)).extra_specs;
  }

  async extraSpec(ctx: AuthContext, id: string, key: string): Promise<string> {
    enforce(this.d, ctx, 'os_compute_api:os-flavor-extra-specs:show', { project_id: callerProject(ctx) });
    const specs = (await this.get(ctx, id)).extra_specs;
    if (!Object.hasOwn(specs, key)) throw notFound(`Flavor ${id} has no extra specs with key ${key}.`);
    return specs[key]!;
  }

  /** Merges `specs` into the flavor's (create adds many, update sets one). */
  async setExtraSpecs(ctx: AuthContext, id: string, specs: Record<string, string>, action: 'create' | 'update'): Promise<void> {
    enforce(this.d, ctx, `os_compute_api:os-flavor-extra-specs:${action}`);
    await this.changeSpecs(ctx, id, (s) => ({ ...s, ...specs }));
  }

  async deleteExtraSpec(ctx: AuthContext, id: string, key: string): Promise<void> {
    enforce(this.d, ctx, 'os_compute_api:os-flavor-extra-specs:delete');
    await this.changeSpecs(ctx, id, (s) => {
      if (!Object.hasOwn(s, key)) throw notFound(`Flavor ${id} has no extra specs with key ${key}.`);
      const { [key]: _gone, ...rest } = s;
      return rest;
    });
  }

  async access(ctx: AuthContext, id: string): Promise<FlavorAccess[]> {
    enforce(this.d, ctx, 'os_compute_api:os-flavor-access');
    if ((await this.get(ctx, id)).is_public) throw notFound('Access list not available for public flavors.');
    return this.accessList(id);
  }

  async addAccess(ctx: AuthContext, id: string, projectId: string): Promise<FlavorAccess[]> {
    enforce(this.d, ctx, 'os_compute_api:os-flavor-access:add_tenant_access');
    if ((await this.get(ctx, id)).is_public) throw conflict('Can not add access to a public flavor.');
    const res = await this.d.db.insertInto('flavor_access').values({ flavor_id: id, project_id: projectId })
      .onConflict((oc) => oc.columns(['flavor_id', 'project_id']).doNothing()).executeTakeFirst();
    if (Number(res.numInsertedOrUpdatedRows ?? 0) === 0) throw conflict(`Flavor access already exists for flavor ${id} and project ${projectId} combination.`);
    return this.accessList(id);
  }

  async removeAccess(ctx: AuthContext, id: string, projectId: string): Promise<FlavorAccess[]> {
    enforce(this.d, ctx, 'os_compute_api:os-flavor-access:remove_tenant_access');
    await this.get(ctx, id);
    const res = await this.d.db.deleteFrom('flavor_access').where('flavor_id', '=', id).where('project_id', '=', projectId).executeTakeFirst();
    if (Number(res.numDeletedRows) === 0) throw notFound(`Flavor access not found for ${id} / ${projectId} combination.`);
    return this.accessList(id);
  }

  private async changeSpecs(ctx: AuthContext, id: string, change: (specs: Record<string, string>) => Record<string, string>): Promise<void> {
    await this.get(ctx, id);
    await this.d.db.transaction().execute(async (tx) => {
      const row = await tx.selectFrom('flavors').select('extra_specs').where('id', '=', id).executeTakeFirst();
      if (!row) throw flavorNotFound(id);
      await tx.updateTable('flavors').set({ extra_specs: JSON.stringify(change(json(row.extra_specs))) }).where('id', '=', id).execute();
    });
  }

  private async accessList(id: string): Promise<FlavorAccess[]> {
    const rows = await this.d.db.selectFrom('flavor_access').select('project_id').where('flavor_id', '=', id).orderBy('project_id').execute();
    return rows.map((r) => ({ flavor_id: id, tenant_id: r.project_id }));
  }

  private async sharedWith(projectId: string): Promise<Set<string>> {
    if (projectId === '') return new Set();
    const rows = await this.d.db.selectFrom('flavor_access').select('flavor_id').where('project_id', '=', projectId).execute();
    return new Set(rows.map((r) => r.flavor_id));
  }
}
