import type { Credentials } from './policy/engine.ts';

export interface Named {
  id: string;
  name: string;
}

export interface ProjectRef extends Named {
  domain: Named;
}

export type Scope =
  | { kind: 'project'; project: ProjectRef }
  | { kind: 'domain'; domain: Named }
  | { kind: 'system' }
  | { kind: 'unscoped' };

/**
 * Who is calling, as a validated token says: the input to every policy decision. Built from the
 * token alone, without a database round trip.
 */
export interface AuthContext {
  token: string;
  user: Named & { domain: Named };
  scope: Scope;
  roles: Named[];
  methods: string[];
  auditIds: string[];
  issuedAt: Date;
  expiresAt: Date;
  applicationCredential?: { id: string; unrestricted: boolean };
  credentials: Credentials;
}

export function projectId(ctx: AuthContext): string | undefined {
  return ctx.scope.kind === 'project' ? ctx.scope.project.id : undefined;
}

export function credentialsFor(
  user: AuthContext['user'],
  scope: Scope,
  roles: Named[],
): Credentials {
  const creds: Credentials = {
    user_id: user.id,
    user_domain_id: user.domain.id,
    roles: roles.map((r) => r.name),
    token: { user: { id: user.id, domain: { id: user.domain.id } } },
  };
  if (scope.kind === 'project') {
    creds.project_id = scope.project.id;
    creds.project_domain_id = scope.project.domain.id;
    creds.token.project = { id: scope.project.id, domain: { id: scope.project.domain.id } };
  } else if (scope.kind === 'domain') {
    creds.domain_id = scope.domain.id;
    creds.token.domain = { id: scope.domain.id };
  } else if (scope.kind === 'system') {
    creds.system_scope = 'all';
  }
  return creds;
}

/**
 * A project-scoped context made in-process, without a token: for a service acting inside a project
 * with the rights `roles` give (as Neutron's admin context does), and for tests of services.
 */
export function projectContext(project: string, roles: string[], userId = `u-${project}`): AuthContext {
  const domain: Named = { id: 'default', name: 'Default' };
  const user = { id: userId, name: userId, domain };
  const scope: Scope = { kind: 'project', project: { id: project, name: project, domain } };
  const named = roles.map((name) => ({ id: name, name }));
  const at = new Date();
  return { token: '', user, scope, roles: named, methods: [], auditIds: [], issuedAt: at, expiresAt: at, credentials: credentialsFor(user, scope, named) };
}
