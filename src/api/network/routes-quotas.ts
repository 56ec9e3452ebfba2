import type { Quotas } from '../../services/network/quotas.ts';
import { noContent } from '../http.ts';
import { resourceBody, type NetworkApi } from './crud.ts';

type P = { project_id: string };

/** Neutron's `quotas` and `quota_details` extensions. */
export function quotaRoutes({ app, auth }: NetworkApi, quotas: Quotas): void {
  app.get('/v2.0/quotas', async (req) => ({ quotas: await quotas.listAll(auth(req)) }));
  app.get<{ Params: P }>('/v2.0/quotas/:project_id', async (req) => ({ quota: await quotas.show(auth(req), req.params.project_id) }));
  app.get<{ Params: P }>('/v2.0/quotas/:project_id/default', async (req) => ({ quota: quotas.defaults(auth(req), req.params.project_id) }));
  app.get<{ Params: P }>('/v2.0/quotas/:project_id/details', async (req) => ({ quota: await quotas.details(auth(req), req.params.project_id) }));
  app.put<{ Params: P; Body: unknown }>('/v2.0/quotas/:project_id', async (req) => ({ quota: await quotas.update(auth(req), req.params.project_id, resourceBody(req.body, 'quota')) }));
  app.delete<{ Params: P }>('/v2.0/quotas/:project_id', async (req, reply) => {
    await quotas.reset(auth(req), req.params.project_id);
    return noContent(reply);
  });
}
