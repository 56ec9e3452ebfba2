import { parseLimit } from '../../platform/pagination.ts';
import type { SnapshotCreate } from '../../services/block-storage/index.ts';
import { flagParam, one, type Query } from '../query.ts';
import { truthy, type BlockStorageApi } from './plugin.ts';
import * as schemas from './schemas.ts';
import { snapshotView } from './views.ts';

type P = { project_id: string };
type PI = P & { id: string };

export function snapshotRoutes({ app, storage, links, auth, version }: BlockStorageApi): void {
  const { snapshots } = storage;
  for (const path of ['/v3/:project_id/snapshots', '/v3/:project_id/snapshots/detail']) {
    app.get<{ Params: P; Querystring: Query }>(path, async (req) => {
      const q = req.query;
      const result = await snapshots.list(auth(req), {
        name: one(q, 'name'), status: one(q, 'status'), volume_id: one(q, 'volume_id'), allTenants: flagParam(q, 'all_tenants'),
      }, { limit: parseLimit(one(q, 'limit')), marker: one(q, 'marker') });
      const body: Record<string, unknown> = { snapshots: result.items.map((s) => snapshotView(s, version(req))) };
      const next = links.next(links.url(req.params.project_id, req.url), result.nextMarker);
      if (next) body.snapshots_links = next;
      return body;
    });
  }
  app.post<{ Params: P; Body: { snapshot: Omit<SnapshotCreate, 'force'> & { force?: boolean | string; display_name?: string | null } } }>(
    '/v3/:project_id/snapshots', { schema: { body: schemas.createSnapshot } }, async (req, reply) => {
      const b = req.body.snapshot;
      const s = await snapshots.create(auth(req), { ...b, name: b.name ?? b.display_name ?? null, force: truthy(b.force) });
      return reply.code(202).send({ snapshot: snapshotView(s, version(req)) });
    });
  app.get<{ Params: PI }>('/v3/:project_id/snapshots/:id', async (req) => ({ snapshot: snapshotView(await snapshots.get(auth(req), req.params.id), version(req)) }));
  app.put<{ Params: PI; Body: { snapshot: { name?: string | null; description?: string | null } } }>(
    '/v3/:project_id/snapshots/:id', { schema: { body: schemas.updateSnapshot } }, async (req) =>
      ({ snapshot: snapshotView(await snapshots.update(auth(req), req.params.id, req.body.snapshot), version(req)) }));
  app.delete<{ Params: PI }>('/v3/:project_id/snapshots/:id', async (req, reply) => {
    await snapshots.delete(auth(req), req.params.id);
    return reply.code(202).send();
  });
}
