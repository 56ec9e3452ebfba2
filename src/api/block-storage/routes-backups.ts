import { BadRequest } from '../../platform/errors.ts';
import { parseLimit } from '../../platform/pagination.ts';
import type { BackupCreate } from '../../services/block-storage/index.ts';
import { flagParam, one, type Query } from '../query.ts';
import { truthy, type BlockStorageApi } from './plugin.ts';
import * as schemas from './schemas.ts';
import { backupDetail, backupSummary } from './views.ts';

type P = { project_id: string };
type PI = P & { id: string };

export function backupRoutes({ app, storage, links, auth, version }: BlockStorageApi): void {
  const { backups } = storage;
  for (const detail of [false, true]) {
    app.get<{ Params: P; Querystring: Query }>(detail ? '/v3/:project_id/backups/detail' : '/v3/:project_id/backups', async (req) => {
      const ctx = auth(req);
      const q = req.query;
      const result = await backups.list(ctx, {
        name: one(q, 'name'), status: one(q, 'status'), volume_id: one(q, 'volume_id'), allTenants: flagParam(q, 'all_tenants'),
      }, { limit: parseLimit(one(q, 'limit')), marker: one(q, 'marker') });
      const admin = storage.isAdmin(ctx);
      const body: Record<string, unknown> = {
        backups: result.items.map((b) => (detail ? backupDetail(b, links, version(req), admin) : backupSummary(b, links))),
      };
      const next = links.next(links.url(req.params.project_id, req.url), result.nextMarker);
      if (next) body.backups_links = next;
      return body;
    });
  }
  app.post<{ Params: P; Body: { backup: Omit<BackupCreate, 'incremental' | 'force'> & { incremental?: boolean | string; force?: boolean | string } } }>(
    '/v3/:project_id/backups', { schema: { body: schemas.createBackup } }, async (req, reply) => {
      const b = req.body.backup;
      const made = await backups.create(auth(req), { ...b, incremental: truthy(b.incremental), force: truthy(b.force) });
      return reply.code(202).send({ backup: backupSummary(made, links) });
    });
  app.get<{ Params: PI }>('/v3/:project_id/backups/:id', async (req) => {
    const ctx = auth(req);
    return { backup: backupDetail(await backups.get(ctx, req.params.id), links, version(req), storage.isAdmin(ctx)) };
  });
  app.delete<{ Params: PI }>('/v3/:project_id/backups/:id', async (req, reply) => {
    await backups.delete(auth(req), req.params.id);
    return reply.code(202).send();
  });
  app.post<{ Params: PI; Body: { restore: { volume_id?: string | null; name?: string | null } | null } }>(
    '/v3/:project_id/backups/:id/restore', { schema: { body: schemas.restoreBackup } }, async (req, reply) =>
      reply.code(202).send({ restore: await backups.restore(auth(req), req.params.id, req.body.restore ?? {}) }));
  app.post<{ Params: PI; Body: Record<string, any> }>('/v3/:project_id/backups/:id/action', async (req, reply) => {
    const ctx = auth(req);
    if (req.body && 'os-force_delete' in req.body) {
      await backups.delete(ctx, req.params.id, true);
      return reply.code(202).send();
    }
    throw new BadRequest(`There is no such action: ${Object.keys(req.body ?? {})[0] ?? ''}`);
  });
}
