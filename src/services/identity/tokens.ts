import { randomBytes } from 'node:crypto';
import { credentialsFor, type AuthContext, type Scope } from '../../platform/auth.ts';
import { bool } from '../../platform/db/index.ts';
import { BadRequest, NotFound, Unauthorized } from '../../platform/errors.ts';
import type { ProjectTable, UserTable } from './tables.ts';
import type { ApplicationCredentials } from './application-credentials.ts';
import type { Assignments } from './assignments.ts';
import type { IdentityDeps } from './deps.ts';
import type { Domains } from './domains.ts';
import { DUMMY_HASH, verifySecret } from './passwords.ts';
import type { Projects } from './projects.ts';
import type { Roles } from './roles.ts';
import { decodeToken, encodeToken, type TokenPayload } from './token-format.ts';
import type { Users } from './users.ts';

type UserRef = { id?: string; name?: string; domain?: { id?: string; name?: string } };

/** The body of `POST /v3/auth/tokens`, already schema-checked at the HTTP edge. */
export interface AuthRequest {
  identity: {
    methods: string[];
    password?: { user: UserRef & { password: string } };
    token?: { id: string };
    application_credential?: { id?: string; name?: string; secret: string; user?: UserRef };
  };
  scope?: 'unscoped' | {
    project?: { id?: string; name?: string; domain?: { id?: string; name?: string } };
    domain?: { id?: string; name?: string };
    system?: { all?: boolean };
  };
}

export interface IssuedToken {
  token: string;
  payload: TokenPayload;
}

/** The same answer for a wrong password and an unknown user, so neither can be told apart. */
const DENIED = 'The request you have made requires authentication.';

function auditId(): string {
  return randomBytes(16).toString('base64url');
}

export class Tokens {
  constructor(
    private readonly d: IdentityDeps,
    private readonly domains: Domains,
    private readonly projects: Projects,
    private readonly users: Users,
    private readonly roles: Roles,
    private readonly assignments: Assignments,
    private readonly appCreds: ApplicationCredentials,
  ) {}

  async issue(req: AuthRequest): Promise<IssuedToken> {
    const methods = req.identity.methods;
    if (methods.length === 0) throw new BadRequest('Invalid input for field identity/methods: at least one method is required.');
    for (const m of methods) {
      if (!['password', 'token', 'application_credential'].includes(m)) throw new Unauthorized(`Attempted to authenticate with an unsupported method: ${m}.`);
      if (!(req.identity as Record<string, unknown>)[m]) throw new BadRequest(`Invalid input for field identity/${m}: it is required by the method list.`);
    }
    // Events revoke tokens issued at or before their millisecond; a token issued right after a
    // revocation (a new login after a password change) must not fall into the same one.
    const now = Math.max(Date.now(), this.d.revocations.latest + 1);
    let expiresAt = now + this.d.config.tokenLifetimeSeconds * 1000;
    let auditIds = [auditId()];
    let user: UserTable | undefined;
    let usedMethods = [...methods];
    let appCred: Awaited<ReturnType<ApplicationCredentials['find']>>;

    if (req.identity.password) user = await this.passwordUser(req.identity.password.user);
    if (req.identity.token) {
      const parent = this.decodeValid(req.identity.token.id);
      // Keystone answers an unknown or revoked token here with 404, and tempest relies on it.
      if (!parent) throw new NotFound('Failed to validate token');
      if (parent.applicationCredential) throw new Unauthorized('A token from an application credential cannot be rescoped.');
      const u = await this.users.find(parent.user.id);
      if (user && u?.id !== user.id) throw new Unauthorized(DENIED);
      user = u;
      expiresAt = parent.expiresAt;
      auditIds = [auditIds[0]!, parent.auditIds.at(-1)!];
      usedMethods = [...new Set([...methods, ...parent.methods])];
    }
    if (req.identity.application_credential) {
      ({ user, appCred } = await this.appCredUser(req.identity.application_credential, now));
      if (appCred.expires_at) expiresAt = Math.min(expiresAt, Date.parse(`${appCred.expires_at}Z`));
    }
    if (!user || !bool(user.enabled)) throw new Unauthorized(DENIED);
    const userDomain = await this.domains.find(user.domain_id);
    if (!userDomain || !bool(userDomain.enabled)) throw new Unauthorized(DENIED);

    let scope: Scope;
    let roleIds: string[];
    if (appCred) {
      if (req.scope && req.scope !== 'unscoped' && req.scope.project?.id && req.scope.project.id !== appCred.project_id) {
        throw new Unauthorized('Application credentials cannot request a scope other than their project.');
      }
      const project = await this.usableProject({ id: appCred.project_id }, user);
      const held = await this.assignments.rolesOnProject(user.id, project);
      roleIds = (JSON.parse(appCred.role_ids) as string[]).filter((r) => held.includes(r));
      roleIds = await this.roles.expand(roleIds);
      if (roleIds.length === 0) throw new Unauthorized(DENIED);
      scope = await this.projectScope(project);
    } else {
      ({ scope, roleIds } = await this.resolveScope(req.scope, user));
    }

    const payload: TokenPayload = {
      user: { id: user.id, name: user.name, domain: { id: userDomain.id, name: userDomain.name } },
      scope,
      roles: await this.roles.named(roleIds),
      methods: usedMethods,
      auditIds,
      issuedAt: now,
      expiresAt,
    };
    if (appCred) payload.applicationCredential = { id: appCred.id, unrestricted: appCred.unrestricted === 1 };
    return { token: encodeToken(this.d.tokenKey, payload), payload };
  }

  private async findUser(ref: UserRef): Promise<UserTable | undefined> {
    if (ref.id) return this.users.find(ref.id);
    if (!ref.name) throw new BadRequest('Invalid input for field identity/password/user: an id or a name is required.');
    const domain = ref.domain?.id ? await this.domains.find(ref.domain.id) : ref.domain?.name ? await this.domains.byName(ref.domain.name) : undefined;
    if (!ref.domain?.id && !ref.domain?.name) throw new BadRequest('Invalid input for field identity/password/user/domain: a user given by name needs its domain.');
    return domain ? this.users.byName(ref.name, domain.id) : undefined;
  }

  private async passwordUser(ref: UserRef & { password: string }): Promise<UserTable> {
    const user = await this.findUser(ref);
    if (!(await this.users.checkPassword(user, ref.password))) throw new Unauthorized(DENIED);
    return user!;
  }

  private async appCredUser(ref: NonNullable<AuthRequest['identity']['application_credential']>, now: number) {
    let appCred;
    if (ref.id) appCred = await this.appCreds.find(ref.id);
    else if (ref.name && ref.user) {
      const owner = await this.findUser(ref.user);
      appCred = owner ? await this.appCreds.byName(owner.id, ref.name) : undefined;
    } else {
      throw new BadRequest('Invalid input for field identity/application_credential: an id, or a name with its user, is required.');
    }
    const ok = await verifySecret(ref.secret, appCred?.secret_hash ?? DUMMY_HASH);
    if (!appCred || !ok) throw new Unauthorized(DENIED);
    if (appCred.expires_at && Date.parse(`${appCred.expires_at}Z`) <= now) throw new Unauthorized('The application credential has expired.');
    return { user: await this.users.find(appCred.user_id), appCred };
  }

  private async resolveScope(requested: AuthRequest['scope'], user: UserTable): Promise<{ scope: Scope; roleIds: string[] }> {
    if (requested === 'unscoped') return { scope: { kind: 'unscoped' }, roleIds: [] };
    if (!requested) {
      // Keystone scopes a scope-less request to the user's default project when it is usable.
      if (user.default_project_id) {
        const project = await this.projects.find(user.default_project_id);
        if (project && bool(project.enabled)) {
          const roleIds = await this.assignments.rolesOnProject(user.id, project);
          if (roleIds.length) return { scope: await this.projectScope(project), roleIds };
        }
      }
      return { scope: { kind: 'unscoped' }, roleIds: [] };
    }
    const kinds = ['project', 'domain', 'system'].filter((k) => (requested as Record<string, unknown>)[k] !== undefined);
    if (kinds.length !== 1) throw new BadRequest('Invalid input for field scope: specify exactly one of project, domain or system.');
    if (requested.project) {
      const project = await this.usableProject(requested.project, user);
      const roleIds = await this.assignments.rolesOnProject(user.id, project);
      if (!roleIds.length) throw new Unauthorized(`User ${user.id} has no access to project ${project.id}.`);
      return { scope: await this.projectScope(project), roleIds };
    }
    if (requested.domain) {
      const ref = requested.domain;
      const domain = ref.id ? await this.domains.find(ref.id) : ref.name ? await this.domains.byName(ref.name) : undefined;
      if (!domain) throw new Unauthorized(`Could not find domain: ${ref.id ?? ref.name}.`);
      if (!bool(domain.enabled)) throw new Unauthorized(`Domain ${domain.id} is disabled.`);
      const roleIds = await this.assignments.rolesOnDomain(user.id, domain.id);
      if (!roleIds.length) throw new Unauthorized(`User ${user.id} has no access to domain ${domain.id}.`);
      return { scope: { kind: 'domain', domain: { id: domain.id, name: domain.name } }, roleIds };
    }
    if (!requested.system?.all) throw new BadRequest('Invalid input for field scope/system: only {"all": true} is supported.');
    const roleIds = await this.assignments.rolesOnSystem(user.id);
    if (!roleIds.length) throw new Unauthorized(`User ${user.id} has no access to the system.`);
    return { scope: { kind: 'system' }, roleIds };
  }

  private async usableProject(ref: { id?: string; name?: string; domain?: { id?: string; name?: string } }, user: UserTable): Promise<ProjectTable> {
    let project: ProjectTable | undefined;
    if (ref.id) project = await this.projects.find(ref.id);
    else if (ref.name) {
      if (!ref.domain?.id && !ref.domain?.name) throw new BadRequest('Invalid input for field scope/project/domain: a project given by name needs its domain.');
      const domain = ref.domain.id ? await this.domains.find(ref.domain.id) : await this.domains.byName(ref.domain.name!);
      project = domain ? await this.projects.byName(ref.name, domain.id) : undefined;
    } else {
      throw new BadRequest('Invalid input for field scope/project: an id or a name is required.');
    }
    if (!project) throw new Unauthorized(`Could not find project: ${ref.id ?? ref.name}.`);
    const domain = await this.domains.find(project.domain_id);
    if (!bool(project.enabled) || !domain || !bool(domain.enabled)) {
      throw new Unauthorized(`User ${user.id} has no access to project ${project.id}: it is disabled.`);
    }
    return project;
  }

  private async projectScope(project: ProjectTable): Promise<Scope> {
    const domain = await this.domains.require(project.domain_id);
    return { kind: 'project', project: { id: project.id, name: project.name, domain: { id: domain.id, name: domain.name } } };
  }

  /**
   * The context an EC2 credential (S3 access key) acts in: its user on its project with the roles
   * the user holds there now, so a revoked role or a disabled user or project stops the key at
   * once, as keystone's `/v3/ec2tokens` does. undefined when the key may not act.
   */
  async ec2Context(credential: { user_id: string; tenant_id: string | null }): Promise<AuthContext | undefined> {
    const user = await this.users.find(credential.user_id);
    if (!user || !bool(user.enabled) || !credential.tenant_id) return undefined;
    const userDomain = await this.domains.find(user.domain_id);
    if (!userDomain || !bool(userDomain.enabled)) return undefined;
    let project: ProjectTable;
    try {
      project = await this.usableProject({ id: credential.tenant_id }, user);
    } catch {
      return undefined;
    }
    const roleIds = await this.assignments.rolesOnProject(user.id, project);
    if (!roleIds.length) return undefined;
    const now = Date.now();
    return toContext('', {
      user: { id: user.id, name: user.name, domain: { id: userDomain.id, name: userDomain.name } },
      scope: await this.projectScope(project),
      roles: await this.roles.named(roleIds),
      methods: ['ec2credential'],
      auditIds: [],
      issuedAt: now,
      expiresAt: now,
    });
  }

  /** The hot path: decrypt, check expiry and the in-memory revocation list. No database. */
  decodeValid(token: string): TokenPayload | undefined {
    const payload = decodeToken(this.d.tokenKey, token);
    if (!payload || payload.expiresAt <= Date.now() || this.d.revocations.isRevoked(payload)) return undefined;
    return payload;
  }

  /** Validates an X-Auth-Token into the caller's context, or answers 401. */
  authenticate(token: string | undefined): AuthContext {
    if (!token) throw new Unauthorized();
    const payload = this.decodeValid(token);
    if (!payload) throw new Unauthorized('The request you have made requires authentication.');
    return toContext(token, payload);
  }

  /** Validates an X-Subject-Token for `GET/HEAD /v3/auth/tokens`: an invalid one is a 404. */
  async subject(ctx: AuthContext, token: string | undefined, allowExpired = false): Promise<TokenPayload> {
    if (!token) throw new BadRequest('X-Subject-Token is required.');
    const payload = allowExpired ? decodeToken(this.d.tokenKey, token) : this.decodeValid(token);
    if (!payload || (allowExpired && this.d.revocations.isRevoked(payload))) throw new NotFound('Could not recognize the token.');
    this.d.policy.enforce('identity:validate_token', ctx.credentials, { target: { token: { user_id: payload.user.id } } });
    return payload;
  }

  async revoke(ctx: AuthContext, token: string | undefined): Promise<void> {
    const payload = await this.subject(ctx, token);
    this.d.policy.enforce('identity:revoke_token', ctx.credentials, { target: { token: { user_id: payload.user.id } } });
    await this.d.revocations.revoke({ audit_id: payload.auditIds[0]! });
  }
}

export function toContext(token: string, p: TokenPayload): AuthContext {
  const ctx: AuthContext = {
    token,
    user: p.user,
    scope: p.scope,
    roles: p.roles,
    methods: p.methods,
    auditIds: p.auditIds,
    issuedAt: new Date(p.issuedAt),
    expiresAt: new Date(p.expiresAt),
    credentials: credentialsFor(p.user, p.scope, p.roles),
  };
  if (p.applicationCredential) ctx.applicationCredential = p.applicationCredential;
  return ctx;
}
