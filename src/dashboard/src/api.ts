/** The public OpenStack APIs, called with the user's token: the dashboard can never do more than the user may. */

export interface Named {
  id: string;
  name: string;
}

export interface CatalogEntry {
  type: string;
  name: string;
  endpoints: { interface: string; region: string; url: string }[];
}

export interface Session {
  token: string;
  expiresAt: string;
  user: Named & { domain: Named };
  project: Named & { domain: Named };
  roles: string[];
  /** Roles on the user's own domain (a domain manager's `manager`, scs-0302); empty when none. */
  domainRoles: string[];
  catalog: CatalogEntry[];
}

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** The message an OpenStack fault body carries, whatever its service's shape. */
export function faultMessage(status: number, text: string): string {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    for (const value of Object.values(body)) {
      if (value && typeof value === 'object' && 'message' in value) return String((value as { message: unknown }).message);
    }
    if (typeof body.message === 'string') return body.message;
  } catch {
    // Not JSON: Swift and Glance send text or HTML.
  }
  const plain = text.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
  return plain || `HTTP ${status}`;
}

const IDENTITY = '/identity/v3';

async function identity(path: string, init: RequestInit & { token?: string }): Promise<{ body: any; token: string | null }> {
  const headers = new Headers(init.headers);
  headers.set('Content-Type', 'application/json');
  if (init.token) headers.set('X-Auth-Token', init.token);
  const res = await fetch(`${IDENTITY}${path}`, { ...init, headers });
  const text = await res.text();
  if (!res.ok) throw new ApiError(res.status, faultMessage(res.status, text));
  return { body: text ? JSON.parse(text) : undefined, token: res.headers.get('X-Subject-Token') };
}

async function scopedToken(auth: unknown): Promise<Session> {
  const { body, token } = await identity('/auth/tokens', { method: 'POST', body: JSON.stringify({ auth }) });
  const t = body.token;
  return {
    token: token!, expiresAt: t.expires_at, user: t.user, project: t.project, roles: t.roles.map((r: Named) => r.name),
    domainRoles: await domainRoles(token!, t.user.domain.id), catalog: t.catalog ?? [],
  };
}

/** Keystone grants a domain-scoped token only to a user with a role on the domain: asking is the check. */
async function domainRoles(token: string, domainId: string): Promise<string[]> {
  try {
    const { body } = await identity('/auth/tokens', { method: 'POST', body: JSON.stringify({ auth: { identity: { methods: ['token'], token: { id: token } }, scope: { domain: { id: domainId } } } }) });
    return (body.token.roles as Named[]).map((r) => r.name);
  } catch {
    return [];
  }
}

/** Password login: scoped to `projectId`, or to the first project the user may use. */
export async function login(domain: string, user: string, password: string, projectId?: string): Promise<Session> {
  const id = { methods: ['password'], password: { user: { name: user, domain: { name: domain }, password } } };
  if (projectId) return scopedToken({ identity: id, scope: { project: { id: projectId } } });
  const unscoped = await identity('/auth/tokens', { method: 'POST', body: JSON.stringify({ auth: { identity: id } }) });
  const projects = (await identity('/auth/projects', { token: unscoped.token! })).body.projects as Named[];
  if (projects.length === 0) throw new ApiError(401, 'This user has no project to work in.');
  return scopedToken({ identity: { methods: ['token'], token: { id: unscoped.token } }, scope: { project: { id: projects[0]!.id } } });
}

/** The same user in another project, without asking for the password again. */
export async function switchProject(session: Session, projectId: string): Promise<Session> {
  return scopedToken({ identity: { methods: ['token'], token: { id: session.token } }, scope: { project: { id: projectId } } });
}

export async function myProjects(session: Session): Promise<Named[]> {
  return (await identity('/auth/projects', { token: session.token })).body.projects as Named[];
}

/** A service's public URL as the catalog names it (what CLI users configure), without a trailing slash. */
export function publicUrl(session: Session, type: string): string | undefined {
  return session.catalog.find((c) => c.type === type)?.endpoints.find((e) => e.interface === 'public')?.url.replace(/\/$/, '');
}

/**
 * A service's base path on this origin. Catalog URLs name the host the cloud was started with;
 * the browser may reach it under another name, so only the path is used. Swift is also served on
 * the main listener at `/object-store`, so the dashboard needs no cross-origin requests.
 */
export function servicePath(session: Session, type: string): string {
  const url = publicUrl(session, type);
  if (!url) throw new ApiError(404, `The catalog has no ${type} service.`);
  const path = new URL(url).pathname.replace(/\/$/, '');
  return type === 'object-store' ? path.replace(/^\/swift/, '/object-store') : path;
}

export interface CallOptions {
  method?: string;
  body?: unknown;
  /** Sent as is (a File, a Blob, text) instead of JSON. */
  raw?: BodyInit;
  headers?: Record<string, string>;
}

/** Calls `<service>/<path>`; JSON in and out; an OpenStack fault becomes an ApiError with its message. */
export async function call<T = any>(session: Session, service: string, path: string, o: CallOptions = {}): Promise<T> {
  const res = await send(session, service, path, o);
  const text = await res.text();
  if (!text) return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    return text as T;
  }
}

export async function send(session: Session, service: string, path: string, o: CallOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { 'X-Auth-Token': session.token, Accept: 'application/json', ...o.headers };
  let body: BodyInit | undefined = o.raw;
  if (o.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(o.body);
  }
  const res = await fetch(`${servicePath(session, service)}${path}`, { method: o.method ?? 'GET', headers, body });
  if (!res.ok) throw new ApiError(res.status, faultMessage(res.status, await res.text()));
  return res;
}

/** Offers `content` to the user as a file download. */
export function download(name: string, content: BlobPart, type = 'text/plain'): void {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
