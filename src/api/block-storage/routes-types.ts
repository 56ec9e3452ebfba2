import { BadRequest, NotFound } from '../../platform/errors.ts';
import type { VolumeTypeInput } from '../../services/block-storage/index.ts';
import { flagParam, type Query } from '../query.ts';
import type { BlockStorageApi } from './plugin.ts';
import * as schemas from './schemas.ts';
import { typeView } from './views.ts';

type P = { project_id: string };
type PI = P & { id: string };
type PK = PI & { key: string };
type TypeBody = VolumeTypeInput & { 'os-volume-type-access:is_public'?: boolean | string; is_public?: boolean | string };

/** Cinder accepts `is_public` as a boolean or its string forms. */
function publicFlag(b: TypeBody): boolean | undefined {
  const v = b['os-volume-type-access:is_public'] ?? b.is_public;
  if (v === undefined) return undefined;
  if (typeof v === 'boolean') return v;
  if (['true', 'false'].includes(v.toLowerCase())) return v.toLowerCase() === 'true';
  throw new BadRequest(`Invalid value '${v}' for is_public. Accepted values: True or False.`);
}

export function typeRoutes({ app, storage, auth }: BlockStorageApi): void {
  const { types } = storage;
  app.get<{ Params: P; Querystring: Query }>('/v3/:project_id/types', async (req) =>
    ({ volume_types: (await types.list(auth(req), { is_public: flagParam(req.query, 'is_public') })).map(typeView) }));
  app.get<{ Params: PI }>('/v3/:project_id/types/:id', async (req) => ({ volume_type: typeView(await types.get(auth(req), req.params.id)) }));
  app.post<{ Params: P; Body: { volume_type: TypeBody & { name: string } } }>('/v3/:project_id/types', { schema: { body: schemas.createType } }, async (req) => {
    const b = req.body.volume_type;
    return { volume_type: typeView(await types.create(auth(req), { ...b, is_public: publicFlag(b) })) };
  });
  app.put<{ Params: PI; Body: { volume_type: TypeBody } }>('/v3/:project_id/types/:id', { schema: { body: schemas.updateType } }, async (req) => {
    const b = req.body.volume_type;
    return { volume_type: typeView(await types.update(auth(req), req.params.id, { ...b, is_public: publicFlag(b) })) };
  });
  app.delete<{ Params: PI }>('/v3/:project_id/types/:id', async (req, reply) => {
    await types.delete(auth(req), req.params.id);
    return reply.code(202).send();
  });

  app.get<{ Params: PI }>('/v3/:project_id/types/:id/extra_specs', async (req) => ({ extra_specs: await types.extraSpecs(auth(req), req.params.id) }));
  app.post<{ Params: PI; Body: { extra_specs: Record<string, string> } }>('/v3/:project_id/types/:id/extra_specs', { schema: { body: schemas.extraSpecs } }, async (req) => {
    await types.setExtraSpecs(auth(req), req.params.id, (s) => ({ ...s, ...req.body.extra_specs }));
    return { extra_specs: req.body.extra_specs };
  });
  app.get<{ Params: PK }>('/v3/:project_id/types/:id/extra_specs/:key', async (req) => {
    const specs = await types.extraSpecs(auth(req), req.params.id);
    if (!(req.params.key in specs)) throw new NotFound(`Volume Type ${req.params.id} has no extra specs with key ${req.params.key}.`);
    return { [req.params.key]: specs[req.params.key] };
  });
  app.put<{ Params: PK; Body: Record<string, string> }>('/v3/:project_id/types/:id/extra_specs/:key', async (req) => {
    const value = req.body[req.params.key];
    if (typeof value !== 'string' || Object.keys(req.body).length !== 1) throw new BadRequest('Request body and URI mismatch');
    await types.setExtraSpecs(auth(req), req.params.id, (s) => ({ ...s, [req.params.key]: value }));
    return { [req.params.key]: value };
  });
  app.delete<{ Params: PK }>('/v3/:project_id/types/:id/extra_specs/:key', async (req, reply) => {
    let found = false;
    await types.setExtraSpecs(auth(req), req.params.id, (s) => {
      found = req.params.key in s;
      const { [req.params.key]: _gone, ...rest } = s;
      return rest;
    });
    if (!found) throw new NotFound(`Volume Type ${req.params.id} has no extra specs with key ${req.params.key}.`);
    return reply.code(202).send();
  });

  app.get<{ Params: PI }>('/v3/:project_id/types/:id/encryption', async (req) => {
    const e = await types.encryption(auth(req), req.params.id);
    // Cinder answers an unencrypted type's encryption with an empty object.
    return e === null ? {} : { ...e, volume_type_id: req.params.id, encryption_id: req.params.id, deleted: false, created_at: null, updated_at: null, deleted_at: null };
  });
}
