import type { FastifyRequest } from 'fastify';
import { BadRequest, NotFound } from '../../platform/errors.ts';
import { parseLimit } from '../../platform/pagination.ts';
import type { VolumeCreate } from '../../services/block-storage/index.ts';
import { flagParam, one, type Query } from '../query.ts';
import { atLeast } from './microversion.ts';
import type { BlockStorageApi } from './plugin.ts';
import * as schemas from './schemas.ts';
import { volumeDetail, volumeSummary } from './views.ts';

type P = { project_id: string };
type PI = P & { id: string };
type PK = PI & { key: string };

/** `metadata={'k': 'v'}` as cinderclient sends it (a Python dict literal) or as JSON. */
export function parseMetadataFilter(q: Query): Record<string, string> | undefined {
  const raw = one(q, 'metadata');
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw.replaceAll("'", '"')) as Record<string, string>;
  } catch {
    throw new BadRequest(`Invalid metadata filter '${raw}': expected a dictionary.`);
  }
}

function page(q: Query): { limit?: number | undefined; marker?: string | undefined } {
  return { limit: parseLimit(one(q, 'limit')), marker: one(q, 'marker') };
}

export function volumeRoutes({ app, storage, links, auth, version }: BlockStorageApi): void {
  const { volumes } = storage;

  const list = async (req: FastifyRequest<{ Params: P; Querystring: Query }>, detail: boolean) => {
    const ctx = auth(req);
    const q = req.query;
    const bootable = one(q, 'bootable');
    const result = await volumes.list(ctx, {
      name: one(q, 'name') ?? one(q, 'display_name'), status: one(q, 'status'), metadata: parseMetadataFilter(q),
      bootable: bootable === undefined ? undefined : flagParam(q, 'bootable'), allTenants: flagParam(q, 'all_tenants'), projectId: one(q, 'project_id'),
    }, page(q));
    const admin = storage.isAdmin(ctx);
    const body: Record<string, unknown> = {
      volumes: result.items.map((v) => (detail ? volumeDetail(v, links, version(req), admin) : volumeSummary(v, links))),
    };
    const next = links.next(links.url(req.params.project_id, req.url), result.nextMarker);
    if (next) body.volumes_links = next;
    if (atLeast(version(req), '3.45') && flagParam(q, 'with_count')) body.count = result.items.length;
    return body;
  };
  app.get<{ Params: P; Querystring: Query }>('/v3/:project_id/volumes', (req) => list(req, false));
  app.get<{ Params: P; Querystring: Query }>('/v3/:project_id/volumes/detail', (req) => list(req, true));

  app.get<{ Params: P }>('/v3/:project_id/volumes/summary', async (req) => {
    const ctx = auth(req);
    const all = (await volumes.list(ctx, {}, {})).items;
    const summary: Record<string, unknown> = { total_size: all.reduce((n, v) => n + v.size, 0), total_count: all.length };
    if (atLeast(version(req), '3.36')) {
      const meta: Record<string, string[]> = {};
      for (const v of all) for (const [k, val] of Object.entries(v.metadata)) (meta[k] ??= []).includes(val) || meta[k].push(val);
      summary.metadata = meta;
    }
    return { 'volume-summary': summary };
  });

  app.post<{ Params: P; Body: { volume: VolumeCreate & { size?: number | string | null; display_name?: string | null; display_description?: string | null } } }>(
    '/v3/:project_id/volumes', { schema: { body: schemas.createVolume } }, async (req, reply) => {
      const ctx = auth(req);
      const b = req.body.volume;
      const input: VolumeCreate = {
        size: b.size === undefined || b.size === null ? null : Number(b.size), name: b.name ?? b.display_name ?? null,
        description: b.description ?? b.display_description ?? null, volume_type: b.volume_type ?? null, metadata: b.metadata ?? {},
        snapshot_id: b.snapshot_id ?? null, source_volid: b.source_volid ?? null, availability_zone: b.availability_zone ?? null,
        imageRef: b.imageRef ?? null,
        // Creating from a backup arrived with 3.47; earlier requests cannot ask for it.
        backup_id: atLeast(version(req), '3.47') ? b.backup_id ?? null : null,
      };
      const v = await volumes.create(ctx, input);
      return reply.code(202).send({ volume: volumeDetail(v, links, version(req), storage.isAdmin(ctx)) });
    });

  app.get<{ Params: PI }>('/v3/:project_id/volumes/:id', async (req) => {
    const ctx = auth(req);
    return { volume: volumeDetail(await volumes.get(ctx, req.params.id), links, version(req), storage.isAdmin(ctx)) };
  });
  app.put<{ Params: PI; Body: { volume: { name?: string | null; description?: string | null; metadata?: Record<string, string> } } }>(
    '/v3/:project_id/volumes/:id', { schema: { body: schemas.updateVolume } }, async (req) => {
      const ctx = auth(req);
      return { volume: volumeDetail(await volumes.update(ctx, req.params.id, req.body.volume), links, version(req), storage.isAdmin(ctx)) };
    });
  app.delete<{ Params: PI; Querystring: Query }>('/v3/:project_id/volumes/:id', async (req, reply) => {
    await volumes.delete(auth(req), req.params.id, { cascade: flagParam(req.query, 'cascade') ?? false, force: flagParam(req.query, 'force') ?? false });
    return reply.code(202).send();
  });

  app.post<{ Params: PI; Body: Record<string, any> }>('/v3/:project_id/volumes/:id/action', { schema: { body: schemas.volumeAction } }, async (req, reply) => {
    const ctx = auth(req);
    const [action, arg] = Object.entries(req.body)[0]!;
    const id = req.params.id;
    switch (action) {
      case 'os-extend': {
        const size = Number(arg?.new_size);
        if (!Number.isInteger(size)) throw new BadRequest("Invalid input for field/attribute new_size. Value must be an integer.");
        await volumes.extend(ctx, id, size);
        return reply.code(202).send();
      }
      case 'os-set_bootable': {
        const b = arg?.bootable;
        const value = typeof b === 'boolean' ? b : typeof b === 'string' && ['true', 'false'].includes(b.toLowerCase()) ? b.toLowerCase() === 'true' : undefined;
        if (value === undefined) throw new BadRequest('Invalid value for bootable: it must be true or false.');
        await volumes.setBootable(ctx, id, value);
        return reply.code(200).send();
      }
      case 'revert': {
        // Added in 3.40; before it Cinder has no such action method.
        if (!atLeast(version(req), '3.40')) throw new NotFound('The resource could not be found.');
        if (typeof arg !== 'object' || arg === null) throw new BadRequest("Missing required element 'revert' in request body.");
        const snapshotId = arg.snapshot_id;
        await volumes.revert(ctx, id, typeof snapshotId === 'string' ? snapshotId : undefined);
        return reply.code(202).send();
      }
      case 'os-reset_status':
        if (typeof arg?.status !== 'string') throw new BadRequest('Must specify a status to reset to.');
        await volumes.resetStatus(ctx, id, arg.status);
        return reply.code(202).send();
      case 'os-force_delete':
        await volumes.delete(ctx, id, { force: true, cascade: true });
        return reply.code(202).send();
      case 'os-update_readonly_flag':
        await volumes.changeMetadata(ctx, id, (m) => ({ ...m, readonly: String(Boolean(arg?.readonly)) }));
        return reply.code(202).send();
      case 'os-show_image_metadata':
        return reply.code(200).send({ metadata: await volumes.imageMetadata(ctx, id) });
      case 'os-set_image_metadata': {
        const add = arg?.metadata;
        if (typeof add !== 'object' || add === null || Object.values(add).some((x) => typeof x !== 'string')) throw new BadRequest('Malformed request body: metadata must be a map of strings.');
        return reply.code(200).send({ metadata: await volumes.changeImageMetadata(ctx, id, 'set', (m) => ({ ...m, ...(add as Record<string, string>) })) });
      }
      case 'os-unset_image_metadata': {
        const key = arg?.key;
        if (typeof key !== 'string') throw new BadRequest('Malformed request body: key must be a string.');
        await volumes.changeImageMetadata(ctx, id, 'remove', (m) => {
          if (!(key in m)) throw new NotFound('Metadata item was not found.');
          const { [key]: _gone, ...rest } = m;
          return rest;
        });
        return reply.code(200).send();
      }
      default:
        throw new BadRequest(`There is no such action: ${action}`);
    }
  });

  app.get<{ Params: PI }>('/v3/:project_id/volumes/:id/metadata', async (req) => ({ metadata: await volumes.metadata(auth(req), req.params.id) }));
  app.post<{ Params: PI; Body: { metadata: Record<string, string> } }>('/v3/:project_id/volumes/:id/metadata', { schema: { body: schemas.metadata } }, async (req) =>
    ({ metadata: await volumes.changeMetadata(auth(req), req.params.id, (m) => ({ ...m, ...req.body.metadata })) }));
  app.put<{ Params: PI; Body: { metadata: Record<string, string> } }>('/v3/:project_id/volumes/:id/metadata', { schema: { body: schemas.metadata } }, async (req) =>
    ({ metadata: await volumes.changeMetadata(auth(req), req.params.id, () => req.body.metadata) }));
  app.get<{ Params: PK }>('/v3/:project_id/volumes/:id/metadata/:key', async (req, reply) => {
    const m = await volumes.metadata(auth(req), req.params.id);
    if (!(req.params.key in m)) throw new NotFoundMeta(req.params.id, req.params.key);
    return reply.send({ meta: { [req.params.key]: m[req.params.key] } });
  });
  app.put<{ Params: PK; Body: { meta: Record<string, string> } }>('/v3/:project_id/volumes/:id/metadata/:key', { schema: { body: schemas.metaItem } }, async (req) => {
    if (!(req.params.key in req.body.meta)) throw new BadRequest('Request body and URI mismatch');
    const value = req.body.meta[req.params.key]!;
    await volumes.changeMetadata(auth(req), req.params.id, (m) => ({ ...m, [req.params.key]: value }));
    return { meta: { [req.params.key]: value } };
  });
  app.delete<{ Params: PK }>('/v3/:project_id/volumes/:id/metadata/:key', async (req, reply) => {
    let found = false;
    await volumes.changeMetadata(auth(req), req.params.id, (m) => {
      found = req.params.key in m;
      const { [req.params.key]: _gone, ...rest } = m;
      return rest;
    }, 'volume:delete_volume_metadata');
    if (!found) throw new NotFoundMeta(req.params.id, req.params.key);
    return reply.code(200).send();
  });
}

class NotFoundMeta extends NotFound {
  constructor(id: string, key: string) {
    super(`Volume ${id} has no metadata with key ${key}.`);
  }
}
