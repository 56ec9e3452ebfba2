import type { AuthContext } from '../../platform/auth.ts';
import { isoMicros } from '../../platform/time.ts';
import type { AuthRequest, CatalogEntry, TokenPayload } from '../../services/identity/index.ts';
import { flagParam, type Query } from '../query.ts';
import { header, noContent } from '../http.ts';
import type { IdentityApi } from './plugin.ts';
import * as schemas from './schemas.ts';

function tokenBody(p: TokenPayload, catalog: CatalogEntry[] | undefined): Record<string, unknown> {
  const token: Record<string, unknown> = {
    methods: p.methods,
    user: { domain: p.user.domain, id: p.user.id, name: p.user.name, password_expires_at: null },
    audit_ids: p.auditIds,
    expires_at: isoMicros(new Date(p.expiresAt)),
    issued_at: isoMicros(new Date(p.issuedAt)),
  };
  if (p.scope.kind === 'project') {
    token.project = { domain: p.scope.project.domain, id: p.scope.project.id, name: p.scope.project.name };
    token.is_domain = false;
  } else if (p.scope.kind === 'domain') {
    token.domain = p.scope.domain;
  } else if (p.scope.kind === 'system') {
    token.system = { all: true };
  }
  if (p.scope.kind !== 'unscoped') {
    token.roles = p.roles;
    if (catalog) token.catalog = catalog;
  }
  if (p.applicationCredential) {
    token.application_credential = { id: p.applicationCredential.id, restricted: !p.applicationCredential.unrestricted };
  }
  return { token };
}

export function authRoutes({ app, identity, links, auth }: IdentityApi): void {
  const withCatalog = async (q: Query, p: TokenPayload) =>
    (flagParam(q, 'nocatalog') ? undefined : identity.catalog.forProject(p.scope.kind === 'project' ? p.scope.project.id : undefined));

  app.post<{ Body: { auth: AuthRequest }; Querystring: Query }>('/v3/auth/tokens', { schema: { body: schemas.authTokens } }, async (req, reply) => {
    const { token, payload } = await identity.tokens.issue(req.body.auth);
    reply.header('X-Subject-Token', token);
    return reply.code(201).send(tokenBody(payload, await withCatalog(req.query, payload)));
  });

  app.get<{ Querystring: Query }>('/v3/auth/tokens', async (req, reply) => {
    const payload = await identity.tokens.subject(auth(req), header(req, 'x-subject-token'), flagParam(req.query, 'allow_expired') ?? false);
    reply.header('X-Subject-Token', header(req, 'x-subject-token'));
    return tokenBody(payload, await withCatalog(req.query, payload));
  });

  app.delete('/v3/auth/tokens', async (req, reply) => {
    await identity.tokens.revoke(auth(req), header(req, 'x-subject-token'));
    return noContent(reply);
  });

  app.get('/v3/auth/catalog', async (req) => {
    const ctx = auth(req);
    const catalog = ctx.scope.kind === 'unscoped' ? [] : await identity.catalog.forProject(ctx.scope.kind === 'project' ? ctx.scope.project.id : undefined);
    return { catalog, links: links.collection(req) };
  });

  app.get('/v3/auth/projects', async (req) => {
    const ctx = auth(req);
    const rows = await identity.assignments.projectsOfUser(ctx.user.id);
    const projects = await Promise.all(rows.map((r) => identity.projects.render(r)));
    return { projects: projects.map((p) => links.entity('projects', p)), links: links.collection(req) };
  });

  app.get('/v3/auth/domains', async (req) => {
    const ctx: AuthContext = auth(req);
    const ids = await identity.assignments.domainsOfUser(ctx.user.id);
    const domains = [];
    for (const id of ids) {
      const row = await identity.domains.find(id);
      if (row && row.enabled) domains.push(links.entity('domains', { id: row.id, name: row.name, description: row.description, enabled: true }));
    }
    return { domains, links: links.collection(req) };
  });

  app.get('/v3/auth/system', async (req) => {
    const ctx = auth(req);
    const roles = await identity.assignments.rolesOnSystem(ctx.user.id);
    return { system: roles.length ? [{ all: true }] : [], links: links.collection(req) };
  });
}
