import { BadRequest, NotFound } from '../../platform/errors.ts';
import type { InterfaceAttachment } from '../../services/compute/peers.ts';
import { noContent } from '../http.ts';
import type { ComputeApi } from './plugin.ts';

type Id = { id: string };
type Body = Record<string, unknown>;

const body = (b: unknown, key: string): Body => {
  const v = (b as Body | undefined)?.[key];
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new BadRequest(`Invalid input for field/attribute ${key}. Value: None. '${key}' is a required property`);
  return v as Body;
};

function interfaceView(i: InterfaceAttachment): Record<string, unknown> {
  return { port_id: i.portId, net_id: i.networkId, mac_addr: i.mac, port_state: i.state, fixed_ips: i.fixedIps };
}

/** Server sub-resources: tags, metadata, addresses, volume attachments, interfaces, security groups. */
export function serverPartRoutes({ app, compute, auth }: ComputeApi): void {
  const { data, actions, servers } = compute;
  const base = '/v2.1/servers/:id';

  app.get<{ Params: Id }>(`${base}/tags`, async (req) => ({ tags: await data.tags(auth(req), req.params.id) }));
  app.put<{ Params: Id; Body: unknown }>(`${base}/tags`, async (req) => ({ tags: await data.replaceTags(auth(req), req.params.id, (req.body as Body | undefined)?.tags) }));
  app.delete<{ Params: Id }>(`${base}/tags`, async (req, reply) => {
    await data.clearTags(auth(req), req.params.id);
    return noContent(reply);
  });
  app.get<{ Params: Id & { tag: string } }>(`${base}/tags/:tag`, async (req, reply) => {
    if (!(await data.hasTag(auth(req), req.params.id, req.params.tag))) throw new NotFound(`Tag ${req.params.tag} could not be found.`);
    return noContent(reply);
  });
  app.put<{ Params: Id & { tag: string } }>(`${base}/tags/:tag`, async (req, reply) => {
    const added = await data.addTag(auth(req), req.params.id, req.params.tag);
    reply.header('Location', `${req.url}`);
    return reply.code(added ? 201 : 204).send();
  });
  app.delete<{ Params: Id & { tag: string } }>(`${base}/tags/:tag`, async (req, reply) => {
    await data.deleteTag(auth(req), req.params.id, req.params.tag);
    return noContent(reply);
  });

  app.get<{ Params: Id }>(`${base}/metadata`, async (req) => ({ metadata: await data.metadata(auth(req), req.params.id) }));
  app.post<{ Params: Id; Body: unknown }>(`${base}/metadata`, async (req) => ({ metadata: await data.setMetadata(auth(req), req.params.id, body(req.body, 'metadata') as Record<string, string>, false) }));
  app.put<{ Params: Id; Body: unknown }>(`${base}/metadata`, async (req) => ({ metadata: await data.setMetadata(auth(req), req.params.id, body(req.body, 'metadata') as Record<string, string>, true) }));
  app.get<{ Params: Id & { key: string } }>(`${base}/metadata/:key`, async (req) => {
    const meta = await data.metadata(auth(req), req.params.id);
    if (!(req.params.key in meta)) throw new NotFound('Metadata item was not found');
    return { meta: { [req.params.key]: meta[req.params.key] } };
  });
  app.put<{ Params: Id & { key: string }; Body: unknown }>(`${base}/metadata/:key`, async (req) => {
    const meta = body(req.body, 'meta');
    if (Object.keys(meta).length !== 1 || !(req.params.key in meta)) throw new BadRequest('Request body and URI mismatch');
    await data.setMetadata(auth(req), req.params.id, meta as Record<string, string>, false);
    return { meta };
  });
  app.delete<{ Params: Id & { key: string } }>(`${base}/metadata/:key`, async (req, reply) => {
    await data.deleteMetadata(auth(req), req.params.id, req.params.key);
    return noContent(reply);
  });

  app.get<{ Params: Id }>(`${base}/ips`, async (req) => {
    const s = await servers.get(auth(req), req.params.id);
    const out: Record<string, { version: number; addr: string }[]> = {};
    for (const a of s.addresses) (out[a.networkName] ??= []).push({ version: a.version, addr: a.addr });
    return { addresses: out };
  });
  app.get<{ Params: Id & { network: string } }>(`${base}/ips/:network`, async (req) => {
    const s = await servers.get(auth(req), req.params.id);
    const found = s.addresses.filter((a) => a.networkName === req.params.network);
    if (found.length === 0) throw new NotFound('Instance is not a member of specified network');
    return { [req.params.network]: found.map((a) => ({ version: a.version, addr: a.addr })) };
  });

  app.get<{ Params: Id }>(`${base}/os-volume_attachments`, async (req) => {
    const s = await servers.get(auth(req), req.params.id);
    return { volumeAttachments: (await compute.volumeAttachments(s.row.id)).map((a) => ({ id: a.volumeId, serverId: s.row.id, volumeId: a.volumeId, device: a.device, tag: a.tag, delete_on_termination: a.deleteOnTermination })) };
  });
  app.get<{ Params: Id & { volume: string } }>(`${base}/os-volume_attachments/:volume`, async (req) => {
    const s = await servers.get(auth(req), req.params.id);
    const a = (await compute.volumeAttachments(s.row.id)).find((x) => x.volumeId === req.params.volume);
    if (!a) throw new NotFound(`volume_id not found: ${req.params.volume}`);
    return { volumeAttachment: { id: a.volumeId, serverId: s.row.id, volumeId: a.volumeId, device: a.device, tag: a.tag, delete_on_termination: a.deleteOnTermination } };
  });
  app.post<{ Params: Id; Body: unknown }>(`${base}/os-volume_attachments`, async (req) => {
    const b = body(req.body, 'volumeAttachment');
    if (typeof b.volumeId !== 'string') throw new BadRequest("Invalid input for field/attribute volumeAttachment. Value: {}. 'volumeId' is a required property");
    const a = await actions.attachVolume(auth(req), req.params.id, b.volumeId, typeof b.tag === 'string' ? b.tag : null);
    return { volumeAttachment: { id: a.id, serverId: req.params.id, volumeId: a.id, device: a.device } };
  });
  app.delete<{ Params: Id & { volume: string } }>(`${base}/os-volume_attachments/:volume`, async (req, reply) => {
    await actions.detachVolume(auth(req), req.params.id, req.params.volume);
    return reply.code(202).send();
  });

  app.get<{ Params: Id }>(`${base}/os-interface`, async (req) => {
    const s = await servers.get(auth(req), req.params.id);
    return { interfaceAttachments: (await compute.interfaces(s.row.id)).map(interfaceView) };
  });
  app.get<{ Params: Id & { port: string } }>(`${base}/os-interface/:port`, async (req) => {
    const s = await servers.get(auth(req), req.params.id);
    const i = (await compute.interfaces(s.row.id)).find((x) => x.portId === req.params.port);
    if (!i) throw new NotFound(`Port ${req.params.port} is not attached`);
    return { interfaceAttachment: interfaceView(i) };
  });
  app.post<{ Params: Id; Body: unknown }>(`${base}/os-interface`, async (req) => {
    const b = body(req.body, 'interfaceAttachment');
    const fixed = Array.isArray(b.fixed_ips) ? (b.fixed_ips as Body[])[0]?.ip_address : undefined;
    const i = await actions.attachInterface(auth(req), req.params.id, {
      networkId: typeof b.net_id === 'string' ? b.net_id : undefined, portId: typeof b.port_id === 'string' ? b.port_id : undefined,
      fixedIp: typeof fixed === 'string' ? fixed : undefined,
    });
    return { interfaceAttachment: interfaceView(i) };
  });
  app.delete<{ Params: Id & { port: string } }>(`${base}/os-interface/:port`, async (req, reply) => {
    await actions.detachInterface(auth(req), req.params.id, req.params.port);
    return reply.code(202).send();
  });

  app.get<{ Params: Id }>(`${base}/os-security-groups`, async (req) => {
    const ctx = auth(req);
    const s = await servers.get(ctx, req.params.id);
    return { security_groups: await compute.securityGroups.ofServer(ctx, s.row.id) };
  });
}
