import type { AuthContext } from '../../platform/auth.ts';
import { BadRequest, NotFound } from '../../platform/errors.ts';
import { atLeast, type Version } from '../microversion.ts';
import type { ComputeApi } from './plugin.ts';
import { SERIAL_CONSOLE_PATH } from './serial-console-proxy.ts';

type Body = Record<string, unknown>;

/** The console names Nova's 2.6 schema accepts (2.8 adds MKS), though only serial is served. */
function choices(v: Version): { protocol: string[]; type: string[] } {
  const mks = atLeast(v, '2.8');
  return {
    protocol: ['vnc', 'spice', 'rdp', 'serial', ...(mks ? ['mks'] : [])],
    type: ['novnc', 'xvpvnc', 'rdp-html5', 'spice-html5', 'serial', ...(mks ? ['webmks'] : [])],
  };
}

const pyList = (values: string[]) => `[${values.map((x) => `'${x}'`).join(', ')}]`;

/** An object member of the body, checked as Nova's JSON schema does, in its words. */
function member(body: unknown, key: string, required: string[], allowed: Record<string, string[]>): Record<string, string> {
  const outer = (body ?? {}) as Body;
  const value = outer[key];
  if (value === undefined) throw new BadRequest(`Invalid input for field/attribute ${key}. Value: None. '${key}' is a required property`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new BadRequest(`Invalid input for field/attribute ${key}. Value: ${JSON.stringify(value)}. ${JSON.stringify(value)} is not of type 'object'`);
  const o = value as Body;
  const extra = Object.keys(o).filter((k) => !(k in allowed));
  if (extra.length > 0) throw new BadRequest(`Additional properties are not allowed (${extra.map((k) => `'${k}'`).join(', ')} ${extra.length === 1 ? 'was' : 'were'} unexpected)`);
  for (const name of required) if (!(name in o)) throw new BadRequest(`Invalid input for field/attribute ${key}. Value: ${JSON.stringify(o)}. '${name}' is a required property`);
  for (const [name, values] of Object.entries(allowed)) {
    const x = o[name];
    if (x !== undefined && (typeof x !== 'string' || !values.includes(x))) throw new BadRequest(`Invalid input for field/attribute ${name}. Value: ${String(x)}. ${JSON.stringify(x)} is not one of ${pyList(values)}`);
  }
  return o as Record<string, string>;
}

/** The websocket proxy's URL for a token, as nova-serialproxy's `base_url?token=`. */
function consoleUrl(base: string, token: string): string {
  return `${base.replace(/^http/, 'ws').replace(/\/v2\.1$/, '')}${SERIAL_CONSOLE_PATH}?token=${encodeURIComponent(token)}`;
}

/** `POST /servers/{id}/remote-consoles` (2.6): a websocket URL with a one-time token. */
export function remoteConsoleRoutes({ app, compute, auth, version, base }: ComputeApi): void {

  app.post<{ Params: { id: string }; Body: unknown }>('/v2.1/servers/:id/remote-consoles', async (req) => {
    const v = version(req);
    // Nova has no such route below 2.6.
    if (!atLeast(v, '2.6')) throw new NotFound('The resource could not be found.');
    const c = member(req.body, 'remote_console', ['protocol', 'type'], choices(v));
    const token = await compute.consoles.open(auth(req), req.params.id, c.protocol!, c.type!);
    return { remote_console: { protocol: c.protocol, type: c.type, url: consoleUrl(base, token) } };
  });
}

/** The `os-getSerialConsole` server action, which Nova serves only below 2.6. */
export async function serialConsoleAction({ compute, base }: Pick<ComputeApi, 'compute' | 'base'>, ctx: AuthContext, id: string, body: Body, v: Version): Promise<{ console: { type: string; url: string } }> {
  if (atLeast(v, '2.6')) throw new NotFound('The resource could not be found.');
  const c = member(body, 'os-getSerialConsole', ['type'], { type: ['serial'] });
  const token = await compute.consoles.open(ctx, id, 'serial', c.type!);
  return { console: { type: c.type!, url: consoleUrl(base, token) } };
}
