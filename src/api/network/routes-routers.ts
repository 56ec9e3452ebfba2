import type { Routers } from '../../services/network/routers.ts';
import { resourceBody, type NetworkApi } from './crud.ts';

type Id = { id: string };

/** The router member actions: interfaces and `extraroute-atomic`. */
export function routerActionRoutes({ app, auth }: NetworkApi, routers: Routers): void {
  const body = (b: unknown) => (typeof b === 'object' && b !== null ? b as Record<string, unknown> : {});
  app.put<{ Params: Id; Body: unknown }>('/v2.0/routers/:id/add_router_interface', async (req) => routers.addInterface(auth(req), req.params.id, body(req.body)));
  app.put<{ Params: Id; Body: unknown }>('/v2.0/routers/:id/remove_router_interface', async (req) => routers.removeInterface(auth(req), req.params.id, body(req.body)));
  app.put<{ Params: Id; Body: unknown }>('/v2.0/routers/:id/add_extraroutes', async (req) => ({ router: await routers.changeRoutes(auth(req), req.params.id, resourceBody(req.body, 'router'), true) }));
  app.put<{ Params: Id; Body: unknown }>('/v2.0/routers/:id/remove_extraroutes', async (req) => ({ router: await routers.changeRoutes(auth(req), req.params.id, resourceBody(req.body, 'router'), false) }));
}
