import { BadRequest } from '../../platform/errors.ts';
import { atLeast } from '../microversion.ts';
import type { ComputeApi } from './plugin.ts';
import { serialConsoleAction } from './routes-remote-consoles.ts';
import { serverView } from './views-servers.ts';

type Body = Record<string, unknown>;

const inner = (b: Body, key: string): Body => {
  const v = b[key];
  if (v === null || v === undefined) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new BadRequest(`Invalid input for field/attribute ${key}. Value: ${JSON.stringify(v)}. ${JSON.stringify(v)} is not of type 'object'`);
  return v as Body;
};

/** `POST /servers/{id}/action`: one action per body, named by its only key, as in Nova. */
export function serverActionRoutes({ app, compute, auth, version, base }: ComputeApi): void {
  const { actions } = compute;
  app.post<{ Params: { id: string }; Body: unknown }>('/v2.1/servers/:id/action', async (req, reply) => {
    const ctx = auth(req);
    const id = req.params.id;
    const b = (req.body ?? {}) as Body;
    const [name, ...extra] = Object.keys(b);
    if (name === undefined || extra.length > 0) throw new BadRequest('There is either no action or more than one action in the request body.');
    const v = version(req);
    const accepted = () => reply.code(202).send();
    switch (name) {
      case 'os-stop':
      case 'os-start':
      case 'pause':
      case 'unpause':
      case 'suspend':
      case 'resume':
        await actions.simple(ctx, id, name);
        return accepted();
      case 'reboot': {
        const type = inner(b, 'reboot').type;
        if (typeof type !== 'string') throw new BadRequest("Invalid input for field/attribute reboot. Value: {}. 'type' is a required property");
        await actions.reboot(ctx, id, type.toUpperCase());
        return accepted();
      }
      case 'lock': {
        const reason = inner(b, 'lock').locked_reason;
        await actions.lock(ctx, id, typeof reason === 'string' ? reason : null);
        return accepted();
      }
      case 'unlock':
        await actions.unlock(ctx, id);
        return accepted();
      case 'os-getConsoleOutput': {
        const raw = inner(b, 'os-getConsoleOutput').length;
        const n = raw === undefined || raw === null || raw === -1 || raw === '-1' ? null : Number(raw);
        if (n !== null && (!Number.isInteger(n) || n < 0)) throw new BadRequest(`Invalid input for field/attribute length. Value: ${String(raw)}. ${String(raw)} is not valid under any of the given schemas`);
        return { output: await actions.consoleOutput(ctx, id, n) };
      }
      case 'os-getSerialConsole':
        return serialConsoleAction({ compute, base }, ctx, id, b, v);
      case 'createImage': {
        const o = inner(b, 'createImage');
        if (typeof o.name !== 'string' || o.name.trim() === '') throw new BadRequest("Invalid input for field/attribute createImage. Value: {}. 'name' is a required property");
        const imageId = await actions.createImage(ctx, id, o.name, (o.metadata ?? {}) as Record<string, string>);
        reply.header('Location', `${base.replace(/\/compute\/v2\.1$/, '/image')}/v2/images/${imageId}`);
        return atLeast(v, '2.45') ? reply.code(202).send({ image_id: imageId }) : accepted();
      }
      case 'resize': {
        const ref = inner(b, 'resize').flavorRef;
        if (typeof ref !== 'string' && typeof ref !== 'number') throw new BadRequest("Invalid input for field/attribute resize. Value: {}. 'flavorRef' is a required property");
        await actions.resize(ctx, id, String(ref));
        return accepted();
      }
      case 'confirmResize':
        await actions.confirmResize(ctx, id);
        return reply.code(204).send();
      case 'revertResize':
        await actions.revertResize(ctx, id);
        return accepted();
      case 'rebuild': {
        const o = inner(b, 'rebuild');
        if (typeof o.imageRef !== 'string') throw new BadRequest("Invalid input for field/attribute rebuild. Value: {}. 'imageRef' is a required property");
        await actions.rebuild(ctx, id, {
          imageRef: o.imageRef.split('/').at(-1)!, name: typeof o.name === 'string' ? o.name : undefined,
          metadata: o.metadata as Record<string, string> | undefined, description: atLeast(v, '2.19') ? (o.description as string | null | undefined) : undefined,
          userData: atLeast(v, '2.57') ? (o.user_data as string | null | undefined) : undefined, keyName: atLeast(v, '2.54') ? (o.key_name as string | null | undefined) : undefined,
        });
        return reply.code(202).send({ server: serverView(base, await compute.servers.get(ctx, id), v, compute.isAdmin(ctx)) });
      }
      case 'addSecurityGroup':
      case 'removeSecurityGroup': {
        const group = inner(b, name).name;
        if (typeof group !== 'string') throw new BadRequest(`Invalid input for field/attribute ${name}. Value: {}. 'name' is a required property`);
        await compute.securityGroups[name === 'addSecurityGroup' ? 'add' : 'remove'](ctx, id, group);
        return accepted();
      }
      default:
        throw new BadRequest(`There is no such action: ${name}`);
    }
  });
}
