import { NotFound } from '../../platform/errors.ts';
import { AVAILABILITY_ZONE, type AttachmentCreate } from '../../services/block-storage/index.ts';
import { flagParam, one, type Query } from '../query.ts';
import { atLeast } from './microversion.ts';
import type { BlockStorageApi } from './plugin.ts';
import * as schemas from './schemas.ts';
import { attachmentView } from './views.ts';

type P = { project_id: string };
type PI = P & { id: string };

/** Attachments, availability zones, limits and quota sets: the small resources of Cinder v3. */
export function miscRoutes({ app, storage, auth, version }: BlockStorageApi): void {
  const { attachments, quotas } = storage;

  // Attachments exist from microversion 3.27 on; below it Cinder has no such route.
  const needs327 = (req: Parameters<typeof version>[0]) => {
    if (!atLeast(version(req), '3.27')) throw new NotFound('The resource could not be found.');
  };
  for (const detail of [false, true]) {
    app.get<{ Params: P; Querystring: Query }>(detail ? '/v3/:project_id/attachments/detail' : '/v3/:project_id/attachments', async (req) => {
      needs327(req);
      const list = await attachments.list(auth(req), { volume_id: one(req.query, 'volume_id'), instance_id: one(req.query, 'instance_id'), allTenants: flagParam(req.query, 'all_tenants') });
      return { attachments: list.map((a) => (detail ? attachmentView(a) : { id: a.id, status: a.status, instance: a.instance, volume_id: a.volume_id })) };
    });
  }
  app.post<{ Params: P; Body: { attachment: AttachmentCreate } }>('/v3/:project_id/attachments', { schema: { body: schemas.createAttachment } }, async (req) => {
    needs327(req);
    return { attachment: attachmentView(await attachments.create(auth(req), req.body.attachment)) };
  });
  app.get<{ Params: PI }>('/v3/:project_id/attachments/:id', async (req) => {
    needs327(req);
    return { attachment: attachmentView(await attachments.get(auth(req), req.params.id)) };
  });
  app.put<{ Params: PI; Body: { attachment: { connector: Record<string, unknown> } } }>('/v3/:project_id/attachments/:id', { schema: { body: schemas.updateAttachment } }, async (req) => {
    needs327(req);
    return { attachment: attachmentView(await attachments.update(auth(req), req.params.id, req.body.attachment.connector)) };
  });
  app.post<{ Params: PI; Body: Record<string, unknown> }>('/v3/:project_id/attachments/:id/action', async (req, reply) => {
    if (!atLeast(version(req), '3.44') || !req.body || !('os-complete' in req.body)) throw new NotFound('The resource could not be found.');
    await attachments.complete(auth(req), req.params.id);
    return reply.code(204).send();
  });
  app.delete<{ Params: PI }>('/v3/:project_id/attachments/:id', async (req) => {
    needs327(req);
    await attachments.delete(auth(req), req.params.id);
    return { attachments: [] };
  });

  app.get<{ Params: P }>('/v3/:project_id/os-availability-zone', async (req) => {
    auth(req);
    return { availabilityZoneInfo: [{ zoneName: AVAILABILITY_ZONE, zoneState: { available: true } }] };
  });

  app.get<{ Params: P }>('/v3/:project_id/limits', async (req) =>
    ({ limits: { rate: [], absolute: await quotas.absolute(auth(req), req.params.project_id) } }));

  app.get<{ Params: PI; Querystring: Query }>('/v3/:project_id/os-quota-sets/:id', async (req) =>
    ({ quota_set: { id: req.params.id, ...(await quotas.show(auth(req), req.params.id, flagParam(req.query, 'usage') ?? false)) } }));
  app.get<{ Params: PI }>('/v3/:project_id/os-quota-sets/:id/defaults', async (req) =>
    ({ quota_set: { id: req.params.id, ...quotas.defaults(auth(req), req.params.id) } }));
  app.put<{ Params: PI; Body: { quota_set: Record<string, unknown> } }>('/v3/:project_id/os-quota-sets/:id', { schema: { body: schemas.quotaSet } }, async (req) =>
    ({ quota_set: await quotas.update(auth(req), req.params.id, req.body.quota_set) }));
  app.delete<{ Params: PI }>('/v3/:project_id/os-quota-sets/:id', async (req, reply) => {
    await quotas.reset(auth(req), req.params.id);
    return reply.code(200).send();
  });
}
