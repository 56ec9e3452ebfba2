import { one, type Query } from '../query.ts';
import { noContent } from '../http.ts';
import type { IdentityApi } from './plugin.ts';
import * as schemas from './schemas.ts';

type Id = { id: string };

export function catalogRoutes({ app, identity, links, auth }: IdentityApi): void {
  const { catalog } = identity;
  const region = <T extends Id>(r: T) => links.entity('regions', r);
  const service = <T extends Id>(s: T) => links.entity('services', s);
  const endpoint = <T extends Id>(e: T) => links.entity('endpoints', e);

  app.get<{ Querystring: Query }>('/v3/regions', async (req) => ({
    regions: (await catalog.listRegions(auth(req), { parent_region_id: one(req.query, 'parent_region_id') })).map(region),
    links: links.collection(req),
  }));
  app.post<{ Body: { region: Parameters<typeof catalog.createRegion>[1] } }>('/v3/regions', { schema: { body: schemas.createRegion } }, async (req, reply) =>
    reply.code(201).send({ region: region(await catalog.createRegion(auth(req), req.body.region)) }));
  app.put<{ Params: Id; Body: { region: Parameters<typeof catalog.createRegion>[1] } }>('/v3/regions/:id', { schema: { body: schemas.createRegion } }, async (req, reply) =>
    reply.code(201).send({ region: region(await catalog.createRegion(auth(req), { ...req.body.region, id: req.params.id })) }));
  app.get<{ Params: Id }>('/v3/regions/:id', async (req) => ({ region: region(await catalog.getRegion(auth(req), req.params.id)) }));
  app.patch<{ Params: Id; Body: { region: Parameters<typeof catalog.updateRegion>[2] } }>('/v3/regions/:id', { schema: { body: schemas.updateRegion } }, async (req) =>
    ({ region: region(await catalog.updateRegion(auth(req), req.params.id, req.body.region)) }));
  app.delete<{ Params: Id }>('/v3/regions/:id', async (req, reply) => {
    await catalog.deleteRegion(auth(req), req.params.id);
    return noContent(reply);
  });

  app.get<{ Querystring: Query }>('/v3/services', async (req) => ({
    services: (await catalog.listServices(auth(req), { type: one(req.query, 'type'), name: one(req.query, 'name') })).map(service),
    links: links.collection(req),
  }));
  app.post<{ Body: { service: Parameters<typeof catalog.createService>[1] } }>('/v3/services', { schema: { body: schemas.createService } }, async (req, reply) =>
    reply.code(201).send({ service: service(await catalog.createService(auth(req), req.body.service)) }));
  app.get<{ Params: Id }>('/v3/services/:id', async (req) => ({ service: service(await catalog.getService(auth(req), req.params.id)) }));
  app.patch<{ Params: Id; Body: { service: Parameters<typeof catalog.updateService>[2] } }>('/v3/services/:id', { schema: { body: schemas.updateService } }, async (req) =>
    ({ service: service(await catalog.updateService(auth(req), req.params.id, req.body.service)) }));
  app.delete<{ Params: Id }>('/v3/services/:id', async (req, reply) => {
    await catalog.deleteService(auth(req), req.params.id);
    return noContent(reply);
  });

  app.get<{ Querystring: Query }>('/v3/endpoints', async (req) => ({
    endpoints: (await catalog.listEndpoints(auth(req), {
      service_id: one(req.query, 'service_id'), interface: one(req.query, 'interface'), region_id: one(req.query, 'region_id'),
    })).map(endpoint),
    links: links.collection(req),
  }));
  app.post<{ Body: { endpoint: Parameters<typeof catalog.createEndpoint>[1] } }>('/v3/endpoints', { schema: { body: schemas.createEndpoint } }, async (req, reply) =>
    reply.code(201).send({ endpoint: endpoint(await catalog.createEndpoint(auth(req), req.body.endpoint)) }));
  app.get<{ Params: Id }>('/v3/endpoints/:id', async (req) => ({ endpoint: endpoint(await catalog.getEndpoint(auth(req), req.params.id)) }));
  app.patch<{ Params: Id; Body: { endpoint: Parameters<typeof catalog.updateEndpoint>[2] } }>('/v3/endpoints/:id', { schema: { body: schemas.updateEndpoint } }, async (req) =>
    ({ endpoint: endpoint(await catalog.updateEndpoint(auth(req), req.params.id, req.body.endpoint)) }));
  app.delete<{ Params: Id }>('/v3/endpoints/:id', async (req, reply) => {
    await catalog.deleteEndpoint(auth(req), req.params.id);
    return noContent(reply);
  });
}
