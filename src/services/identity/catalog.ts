import type { AuthContext } from '../../platform/auth.ts';
import { bool } from '../../platform/db/index.ts';
import { BadRequest, Conflict, notFound } from '../../platform/errors.ts';
import { hexId } from '../../platform/ids.ts';
import type { EndpointTable, RegionTable, ServiceTable } from './tables.ts';
import { enforce, flag, mergeExtra, splitExtra, type IdentityDeps } from './deps.ts';

export interface Region { id: string; description: string; parent_region_id: string | null; [extra: string]: unknown }
export interface Service { id: string; type: string; name: string; description: string; enabled: boolean; [extra: string]: unknown }
export interface Endpoint { id: string; service_id: string; interface: string; url: string; region_id: string | null; region: string | null; enabled: boolean; [extra: string]: unknown }
export interface CatalogEntry {
  id: string;
  type: string;
  name: string;
  endpoints: { id: string; interface: string; region_id: string | null; region: string | null; url: string }[];
}

const INTERFACES = ['public', 'internal', 'admin'];
const REGION_KNOWN = ['id', 'description', 'parent_region_id'] as const;
const SERVICE_KNOWN = ['id', 'type', 'name', 'description', 'enabled'] as const;
const ENDPOINT_KNOWN = ['id', 'service_id', 'interface', 'url', 'region_id', 'region', 'enabled'] as const;

const toRegion = (r: RegionTable): Region => ({ ...(JSON.parse(r.extra) as object), id: r.id, description: r.description, parent_region_id: r.parent_region_id });
const toService = (s: ServiceTable): Service => ({ ...(JSON.parse(s.extra) as object), id: s.id, type: s.type, name: s.name, description: s.description, enabled: bool(s.enabled) });
const toEndpoint = (e: EndpointTable): Endpoint => ({
  ...(JSON.parse(e.extra) as object), id: e.id, service_id: e.service_id, interface: e.interface, url: e.url,
  region_id: e.region_id, region: e.region_id, enabled: bool(e.enabled),
});

/** Regions, services and endpoints; the rendered catalog is cached for token issue. */
export class Catalog {
  private cached?: CatalogEntry[];
  private readonly filled = new Map<string, CatalogEntry[]>();

  constructor(private readonly d: IdentityDeps) {}

  /**
   * The catalog as a token carries it. Endpoint URLs may hold `%(project_id)s` (or `$(...)s`,
   * `tenant_id`); as in Keystone they are filled from the token's project, and endpoints that
   * cannot be filled (no project scope) are left out.
   */
  async forProject(projectId: string | undefined): Promise<CatalogEntry[]> {
    const key = projectId ?? '';
    let filled = this.filled.get(key);
    if (!filled) {
      const fill = (url: string) => url.replace(/[%$]\((project_id|tenant_id)\)s/g, () => projectId ?? '\0');
      filled = (await this.entries()).map((s) => ({
        ...s,
        endpoints: s.endpoints.map((e) => ({ ...e, url: fill(e.url) })).filter((e) => !e.url.includes('\0')),
      }));
      // Token validation renders the catalog on every call; keep one copy per project.
      if (this.filled.size >= 10_000) this.filled.clear();
      this.filled.set(key, filled);
    }
    return filled;
  }

  private async entries(): Promise<CatalogEntry[]> {
    if (!this.cached) {
      const services = await this.d.db.selectFrom('services').selectAll().where('enabled', '=', 1).orderBy('type').execute();
      const endpoints = await this.d.db.selectFrom('endpoints').selectAll().where('enabled', '=', 1).orderBy('interface').execute();
      this.cached = services.map((s) => ({
        id: s.id,
        type: s.type,
        name: s.name,
        endpoints: endpoints.filter((e) => e.service_id === s.id)
          .map((e) => ({ id: e.id, interface: e.interface, region_id: e.region_id, region: e.region_id, url: e.url })),
      }));
    }
    return this.cached;
  }

  private changed(): void {
    this.cached = undefined;
    this.filled.clear();
  }

  // regions
  async listRegions(ctx: AuthContext, f: { parent_region_id?: string }): Promise<Region[]> {
    enforce(this.d, ctx, 'list_regions');
    let q = this.d.db.selectFrom('regions').selectAll().orderBy('id');
    if (f.parent_region_id !== undefined) q = q.where('parent_region_id', '=', f.parent_region_id);
    return (await q.execute()).map(toRegion);
  }

  async getRegion(ctx: AuthContext, id: string): Promise<Region> {
    enforce(this.d, ctx, 'get_region');
    const row = await this.d.db.selectFrom('regions').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound('region', id);
    return toRegion(row);
  }

  async createRegion(ctx: AuthContext, input: { id?: string; description?: string; parent_region_id?: string | null }): Promise<Region> {
    enforce(this.d, ctx, 'create_region');
    const id = input.id ?? hexId();
    if (await this.d.db.selectFrom('regions').select('id').where('id', '=', id).executeTakeFirst()) {
      throw new Conflict(`Conflict occurred attempting to store region - Duplicate ID, ${id}.`);
    }
    if (input.parent_region_id) await this.getRegion(ctx, input.parent_region_id).catch(() => {
      throw new BadRequest(`Could not find parent region: ${input.parent_region_id}.`);
    });
    const row: RegionTable = { id, description: input.description ?? '', parent_region_id: input.parent_region_id ?? null, extra: splitExtra(input, REGION_KNOWN) };
    await this.d.db.insertInto('regions').values(row).execute();
    this.changed();
    return toRegion(row);
  }

  async updateRegion(ctx: AuthContext, id: string, patch: { description?: string; parent_region_id?: string | null }): Promise<Region> {
    enforce(this.d, ctx, 'update_region');
    const row = await this.d.db.selectFrom('regions').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound('region', id);
    if (patch.parent_region_id === id) throw new BadRequest('A region cannot be its own parent.');
    const next: RegionTable = {
      ...row,
      description: patch.description ?? row.description,
      parent_region_id: patch.parent_region_id === undefined ? row.parent_region_id : patch.parent_region_id,
      extra: mergeExtra(row.extra, patch, REGION_KNOWN),
    };
    await this.d.db.updateTable('regions').set(next).where('id', '=', id).execute();
    this.changed();
    return toRegion(next);
  }

  async deleteRegion(ctx: AuthContext, id: string): Promise<void> {
    enforce(this.d, ctx, 'delete_region');
    const child = await this.d.db.selectFrom('regions').select('id').where('parent_region_id', '=', id).executeTakeFirst();
    if (child) throw new Conflict(`Region ${id} has child regions and cannot be deleted.`);
    const used = await this.d.db.selectFrom('endpoints').select('id').where('region_id', '=', id).executeTakeFirst();
    if (used) throw new Conflict(`Region ${id} has endpoints and cannot be deleted.`);
    const res = await this.d.db.deleteFrom('regions').where('id', '=', id).executeTakeFirst();
    if (res.numDeletedRows === 0n) throw notFound('region', id);
    this.changed();
  }

  // services
  async listServices(ctx: AuthContext, f: { type?: string; name?: string }): Promise<Service[]> {
    enforce(this.d, ctx, 'list_services');
    let q = this.d.db.selectFrom('services').selectAll().orderBy('type');
    if (f.type !== undefined) q = q.where('type', '=', f.type);
    if (f.name !== undefined) q = q.where('name', '=', f.name);
    return (await q.execute()).map(toService);
  }

  async getService(ctx: AuthContext, id: string): Promise<Service> {
    enforce(this.d, ctx, 'get_service');
    const row = await this.d.db.selectFrom('services').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound('service', id);
    return toService(row);
  }

  async createService(ctx: AuthContext, input: { type: string; name?: string; description?: string; enabled?: boolean }): Promise<Service> {
    enforce(this.d, ctx, 'create_service');
    const row: ServiceTable = {
      id: hexId(), type: input.type, name: input.name ?? '', description: input.description ?? '',
      enabled: flag(input.enabled), extra: splitExtra(input, SERVICE_KNOWN),
    };
    await this.d.db.insertInto('services').values(row).execute();
    this.changed();
    return toService(row);
  }

  async updateService(ctx: AuthContext, id: string, patch: { type?: string; name?: string; description?: string; enabled?: boolean }): Promise<Service> {
    const row = await this.d.db.selectFrom('services').selectAll().where('id', '=', id).executeTakeFirst();
    enforce(this.d, ctx, 'update_service');
    if (!row) throw notFound('service', id);
    const next: ServiceTable = {
      ...row, type: patch.type ?? row.type, name: patch.name ?? row.name, description: patch.description ?? row.description,
      enabled: patch.enabled === undefined ? row.enabled : flag(patch.enabled), extra: mergeExtra(row.extra, patch, SERVICE_KNOWN),
    };
    await this.d.db.updateTable('services').set(next).where('id', '=', id).execute();
    this.changed();
    return toService(next);
  }

  async deleteService(ctx: AuthContext, id: string): Promise<void> {
    enforce(this.d, ctx, 'delete_service');
    const res = await this.d.db.deleteFrom('services').where('id', '=', id).executeTakeFirst();
    if (res.numDeletedRows === 0n) throw notFound('service', id);
    this.changed();
  }

  // endpoints
  async listEndpoints(ctx: AuthContext, f: { service_id?: string; interface?: string; region_id?: string }): Promise<Endpoint[]> {
    enforce(this.d, ctx, 'list_endpoints');
    let q = this.d.db.selectFrom('endpoints').selectAll().orderBy('service_id').orderBy('interface');
    if (f.service_id !== undefined) q = q.where('service_id', '=', f.service_id);
    if (f.interface !== undefined) q = q.where('interface', '=', f.interface);
    if (f.region_id !== undefined) q = q.where('region_id', '=', f.region_id);
    return (await q.execute()).map(toEndpoint);
  }

  async getEndpoint(ctx: AuthContext, id: string): Promise<Endpoint> {
    enforce(this.d, ctx, 'get_endpoint');
    const row = await this.d.db.selectFrom('endpoints').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound('endpoint', id);
    return toEndpoint(row);
  }

  private async checkEndpoint(input: { service_id?: string; interface?: string; url?: string; region_id?: string | null }): Promise<void> {
    if (input.interface !== undefined && !INTERFACES.includes(input.interface)) {
      throw new BadRequest(`Invalid input for field 'interface': '${input.interface}' is not one of ${INTERFACES.join(', ')}.`);
    }
    if (input.url !== undefined && !/^https?:\/\/\S+$/.test(input.url)) throw new BadRequest(`Invalid input for field 'url': '${input.url}' is not a URL.`);
    if (input.service_id !== undefined && !(await this.d.db.selectFrom('services').select('id').where('id', '=', input.service_id).executeTakeFirst())) {
      throw new BadRequest(`Could not find service: ${input.service_id}.`);
    }
    if (input.region_id && !(await this.d.db.selectFrom('regions').select('id').where('id', '=', input.region_id).executeTakeFirst())) {
      throw new BadRequest(`Could not find region: ${input.region_id}.`);
    }
  }

  async createEndpoint(ctx: AuthContext, input: { service_id: string; interface: string; url: string; region_id?: string | null; region?: string; enabled?: boolean }): Promise<Endpoint> {
    enforce(this.d, ctx, 'create_endpoint');
    const regionId = input.region_id ?? input.region ?? null;
    await this.checkEndpoint({ ...input, region_id: regionId });
    const row: EndpointTable = {
      id: hexId(), service_id: input.service_id, interface: input.interface, url: input.url, region_id: regionId,
      enabled: flag(input.enabled), extra: splitExtra(input, ENDPOINT_KNOWN),
    };
    await this.d.db.insertInto('endpoints').values(row).execute();
    this.changed();
    return toEndpoint(row);
  }

  async updateEndpoint(ctx: AuthContext, id: string, patch: { service_id?: string; interface?: string; url?: string; region_id?: string | null; enabled?: boolean }): Promise<Endpoint> {
    enforce(this.d, ctx, 'update_endpoint');
    const row = await this.d.db.selectFrom('endpoints').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound('endpoint', id);
    await this.checkEndpoint(patch);
    const next: EndpointTable = {
      ...row, service_id: patch.service_id ?? row.service_id, interface: patch.interface ?? row.interface, url: patch.url ?? row.url,
      region_id: patch.region_id === undefined ? row.region_id : patch.region_id,
      enabled: patch.enabled === undefined ? row.enabled : flag(patch.enabled), extra: mergeExtra(row.extra, patch, ENDPOINT_KNOWN),
    };
    await this.d.db.updateTable('endpoints').set(next).where('id', '=', id).execute();
    this.changed();
    return toEndpoint(next);
  }

  async deleteEndpoint(ctx: AuthContext, id: string): Promise<void> {
    enforce(this.d, ctx, 'delete_endpoint');
    const res = await this.d.db.deleteFrom('endpoints').where('id', '=', id).executeTakeFirst();
    if (res.numDeletedRows === 0n) throw notFound('endpoint', id);
    this.changed();
  }

  /**
   * Makes a built-in service's catalog entry match this start's address: endpoints follow
   * `--listen`, so a restart on another port still yields a working catalog.
   */
  async ensureService(type: string, name: string, description: string, url: string, regionId: string): Promise<void> {
    await this.d.db.transaction().execute(async (tx) => {
      let service = await tx.selectFrom('services').selectAll().where('type', '=', type).where('name', '=', name).executeTakeFirst();
      if (!service) {
        service = { id: hexId(), type, name, description, enabled: 1, extra: '{}' };
        await tx.insertInto('services').values(service).execute();
      }
      for (const iface of INTERFACES) {
        const ep = await tx.selectFrom('endpoints').selectAll().where('service_id', '=', service.id).where('interface', '=', iface).executeTakeFirst();
        if (!ep) {
          await tx.insertInto('endpoints').values({ id: hexId(), service_id: service.id, interface: iface, url, region_id: regionId, enabled: 1, extra: '{}' }).execute();
        } else if (ep.url !== url) {
          await tx.updateTable('endpoints').set({ url }).where('id', '=', ep.id).execute();
        }
      }
    });
    this.changed();
  }
}
