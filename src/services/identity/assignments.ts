import type { AuthContext, Named } from '../../platform/auth.ts';
import { bool } from '../../platform/db/index.ts';
import { BadRequest, notFound } from '../../platform/errors.ts';
import type { AssignmentTable, AssignmentType, ProjectTable } from './tables.ts';
import { enforce, type IdentityDeps } from './deps.ts';
import type { Domains } from './domains.ts';
import type { Groups } from './groups.ts';
import type { Projects } from './projects.ts';
import type { Roles } from './roles.ts';
import type { Users } from './users.ts';

export type Actor = { kind: 'user' | 'group'; id: string };
export type GrantTarget = { kind: 'project' | 'domain'; id: string } | { kind: 'system' };

export interface Grant {
  actor: Actor;
  target: GrantTarget;
  roleId: string;
  inherited: boolean;
}

export interface AssignmentFilters {
  userId?: string;
  groupId?: string;
  roleId?: string;
  projectId?: string;
  domainId?: string;
  system?: boolean;
  inherited?: boolean;
  effective: boolean;
  includeNames: boolean;
  includeSubtree: boolean;
}

/** A role assignment as Keystone lists it; links are paths below `/v3`. */
export interface RoleAssignment {
  role: Record<string, unknown>;
  scope: Record<string, unknown>;
  user?: Record<string, unknown>;
  group?: Record<string, unknown>;
  links: { assignment: string; membership?: string; prior_role?: string };
}

/** A grant as listed: `via` the group it came through, `prior` the role that implied it, `source` the stored grant. */
type EffectiveGrant = Grant & { via?: string; prior?: string; source?: Grant };

const SYSTEM = 'system';

function typeOf(actor: Actor, target: GrantTarget): AssignmentType {
  const a = actor.kind === 'user' ? 'User' : 'Group';
  const t = target.kind === 'project' ? 'Project' : target.kind === 'domain' ? 'Domain' : 'System';
  return `${a}${t}` as AssignmentType;
}

function grantPath(g: Grant): string {
  const actor = `${g.actor.kind}s/${g.actor.id}`;
  if (g.target.kind === 'system') return `/system/${actor}/roles/${g.roleId}`;
  const base = `/${g.target.kind}s/${g.target.id}/${actor}/roles/${g.roleId}`;
  return g.inherited ? `/OS-INHERIT${base}/inherited_to_projects` : base;
}

function fromRow(r: AssignmentTable): Grant {
  const actor: Actor = { kind: r.type.startsWith('User') ? 'user' : 'group', id: r.actor_id };
  const target: GrantTarget = r.type.endsWith('System') ? { kind: 'system' } : { kind: r.type.endsWith('Project') ? 'project' : 'domain', id: r.target_id };
  return { actor, target, roleId: r.role_id, inherited: bool(r.inherited) };
}

export class Assignments {
  constructor(
    private readonly d: IdentityDeps,
    private readonly domains: Domains,
    private readonly projects: Projects,
    private readonly users: Users,
    private readonly groups: Groups,
    private readonly roles: Roles,
  ) {}

  /** Looks up every party of a grant (404 for any missing) and builds the policy target. */
  private async policyTarget(g: Grant): Promise<Record<string, unknown>> {
    const role = await this.roles.require(g.roleId);
    const target: Record<string, unknown> = { role: { id: role.id, name: role.name, domain_id: role.domain_id } };
    if (g.actor.kind === 'user') {
      const u = await this.users.require(g.actor.id);
      target.user = { id: u.id, domain_id: u.domain_id };
    } else {
      const grp = await this.groups.require(g.actor.id);
      target.group = { id: grp.id, domain_id: grp.domain_id };
    }
    if (g.target.kind === 'project') {
      const p = await this.projects.require(g.target.id);
      target.project = { id: p.id, domain_id: p.domain_id };
    } else if (g.target.kind === 'domain') {
      target.domain = { id: (await this.domains.require(g.target.id)).id };
    }
    return { target };
  }

  private action(g: Grant, verb: 'create' | 'revoke' | 'check'): string {
    if (g.target.kind === 'system') return verb === 'check' ? 'list_system_grants' : `${verb}_system_grant`;
    return `${verb}_grant`;
  }

  async grant(ctx: AuthContext, g: Grant): Promise<void> {
    enforce(this.d, ctx, this.action(g, 'create'), await this.policyTarget(g));
    if (g.inherited && g.target.kind === 'system') throw new BadRequest('System role assignments cannot be inherited.');
    await this.d.db.insertInto('assignments').values(this.row(g)).onConflict((oc) => oc.doNothing()).execute();
  }

  async revoke(ctx: AuthContext, g: Grant): Promise<void> {
    enforce(this.d, ctx, this.action(g, 'revoke'), await this.policyTarget(g));
    const r = this.row(g);
    const res = await this.d.db.deleteFrom('assignments').where('type', '=', r.type).where('actor_id', '=', r.actor_id)
      .where('target_id', '=', r.target_id).where('role_id', '=', r.role_id).where('inherited', '=', r.inherited).executeTakeFirst();
    if (res.numDeletedRows === 0n) throw notFound('role assignment', grantPath(g));
    const userIds = g.actor.kind === 'user' ? [g.actor.id] : await this.groups.memberIds(g.actor.id);
    const scope = g.target.kind === 'project' ? { project_id: g.target.id } : g.target.kind === 'domain' && !g.inherited ? { domain_id: g.target.id } : {};
    for (const userId of userIds) await this.d.revocations.revoke({ user_id: userId, ...scope });
  }

  async check(ctx: AuthContext, g: Grant): Promise<void> {
    enforce(this.d, ctx, this.action(g, 'check'), await this.policyTarget(g));
    const r = this.row(g);
    const found = await this.d.db.selectFrom('assignments').select('role_id').where('type', '=', r.type).where('actor_id', '=', r.actor_id)
      .where('target_id', '=', r.target_id).where('role_id', '=', r.role_id).where('inherited', '=', r.inherited).executeTakeFirst();
    if (!found) throw notFound('role assignment', grantPath(g));
  }

  /** Roles granted directly on one target, for `GET /v3/projects/{p}/users/{u}/roles` and kin. */
  async listGrants(ctx: AuthContext, actor: Actor, target: GrantTarget, inherited: boolean): Promise<Named[]> {
    const probe: Grant = { actor, target, roleId: '', inherited };
    const parties: Record<string, unknown> = {};
    if (actor.kind === 'user') parties.user = { id: actor.id, domain_id: (await this.users.require(actor.id)).domain_id };
    else parties.group = { id: actor.id, domain_id: (await this.groups.require(actor.id)).domain_id };
    if (target.kind === 'project') parties.project = { id: target.id, domain_id: (await this.projects.require(target.id)).domain_id };
    if (target.kind === 'domain') parties.domain = { id: (await this.domains.require(target.id)).id };
    enforce(this.d, ctx, target.kind === 'system' ? 'list_system_grants' : 'list_grants', { target: parties });
    const r = this.row(probe);
    const rows = await this.d.db.selectFrom('assignments').select('role_id').where('type', '=', r.type)
      .where('actor_id', '=', r.actor_id).where('target_id', '=', r.target_id).where('inherited', '=', r.inherited).execute();
    return this.roles.named(rows.map((x) => x.role_id));
  }

  private row(g: Grant): AssignmentTable {
    return {
      type: typeOf(g.actor, g.target),
      actor_id: g.actor.id,
      target_id: g.target.kind === 'system' ? SYSTEM : g.target.id,
      role_id: g.roleId,
      inherited: g.inherited ? 1 : 0,
    };
  }

  /** The roles (implied ones included) a user holds on a project: direct, through groups, or inherited. */
  async rolesOnProject(userId: string, project: ProjectTable): Promise<string[]> {
    const actors = [userId, ...(await this.groups.idsOfUser(userId))];
    const above = [...(await this.projects.ancestors(project)), project.domain_id];
    const rows = await this.d.db.selectFrom('assignments').select('role_id').where('actor_id', 'in', actors)
      .where((eb) => eb.or([
        eb.and([eb('target_id', '=', project.id), eb('inherited', '=', 0), eb('type', 'in', ['UserProject', 'GroupProject'])]),
        eb.and([eb('target_id', 'in', above), eb('inherited', '=', 1)]),
      ])).execute();
    return this.roles.expand(rows.map((r) => r.role_id));
  }

  async rolesOnDomain(userId: string, domainId: string): Promise<string[]> {
    const actors = [userId, ...(await this.groups.idsOfUser(userId))];
    const rows = await this.d.db.selectFrom('assignments').select('role_id').where('actor_id', 'in', actors)
      .where('target_id', '=', domainId).where('inherited', '=', 0).where('type', 'in', ['UserDomain', 'GroupDomain']).execute();
    return this.roles.expand(rows.map((r) => r.role_id));
  }

  async rolesOnSystem(userId: string): Promise<string[]> {
    const actors = [userId, ...(await this.groups.idsOfUser(userId))];
    const rows = await this.d.db.selectFrom('assignments').select('role_id').where('actor_id', 'in', actors)
      .where('type', 'in', ['UserSystem', 'GroupSystem']).execute();
    return this.roles.expand(rows.map((r) => r.role_id));
  }

  /** Projects where the user holds any role; `GET /v3/users/{id}/projects` and `/v3/auth/projects`. */
  async projectsOfUser(userId: string): Promise<ProjectTable[]> {
    const effective = await this.effective({ userId, effective: true, includeNames: false, includeSubtree: false });
    const ids = [...new Set(effective.filter((g) => g.target.kind === 'project').map((g) => (g.target as { id: string }).id))];
    if (ids.length === 0) return [];
    return this.d.db.selectFrom('projects').selectAll().where('id', 'in', ids).where('enabled', '=', 1).orderBy('name').execute();
  }

  async listUserProjects(ctx: AuthContext, userId: string): Promise<ProjectTable[]> {
    const user = await this.users.require(userId);
    enforce(this.d, ctx, 'list_user_projects', { target: { user: { id: userId, domain_id: user.domain_id } } });
    return this.projectsOfUser(userId);
  }

  async domainsOfUser(userId: string): Promise<string[]> {
    const effective = await this.effective({ userId, effective: true, includeNames: false, includeSubtree: false });
    return [...new Set(effective.filter((g) => g.target.kind === 'domain' && !g.inherited).map((g) => (g.target as { id: string }).id))];
  }

  async list(ctx: AuthContext, f: AssignmentFilters): Promise<RoleAssignment[]> {
    let domainId = f.domainId;
    if (f.projectId) domainId = (await this.projects.find(f.projectId))?.domain_id;
    enforce(this.d, ctx, 'list_role_assignments', { target: domainId === undefined ? {} : { domain_id: domainId } });
    if (f.userId && f.groupId) throw new BadRequest('Specify a user or a group, not both.');
    if (f.projectId && f.domainId) throw new BadRequest('Specify a project or a domain scope, not both.');
    const grants = f.effective ? await this.effective(f) : await this.direct(f);
    return Promise.all(grants.map((g) => this.render(g, f.includeNames)));
  }

  private async direct(f: AssignmentFilters): Promise<EffectiveGrant[]> {
    let q = this.d.db.selectFrom('assignments').selectAll();
    if (f.userId) q = q.where('actor_id', '=', f.userId).where('type', 'in', ['UserProject', 'UserDomain', 'UserSystem']);
    if (f.groupId) q = q.where('actor_id', '=', f.groupId).where('type', 'in', ['GroupProject', 'GroupDomain', 'GroupSystem']);
    if (f.roleId) q = q.where('role_id', '=', f.roleId);
    if (f.projectId) {
      const ids = f.includeSubtree ? [f.projectId, ...(await this.projects.descendants(f.projectId))] : [f.projectId];
      q = q.where('target_id', 'in', ids).where('type', 'in', ['UserProject', 'GroupProject']);
    }
    if (f.domainId) q = q.where('target_id', '=', f.domainId).where('type', 'in', ['UserDomain', 'GroupDomain']);
    if (f.system) q = q.where('type', 'in', ['UserSystem', 'GroupSystem']);
    if (f.inherited !== undefined) q = q.where('inherited', '=', f.inherited ? 1 : 0);
    return (await q.execute()).map(fromRow);
  }

  /**
   * Keystone's effective view: group grants become user grants (with a membership link),
   * inherited grants land on every project below their target, and implied roles appear
   * (with a prior_role link). Filters apply after expansion.
   */
  private async effective(f: AssignmentFilters): Promise<EffectiveGrant[]> {
    const raw = (await this.d.db.selectFrom('assignments').selectAll().execute()).map(fromRow);
    const out: EffectiveGrant[] = [];
    for (const g of raw) {
      const users = g.actor.kind === 'user' ? [{ id: g.actor.id, via: undefined as string | undefined }] :
        (await this.groups.memberIds(g.actor.id)).map((id) => ({ id, via: g.actor.id }));
      let targets: GrantTarget[] = [g.target];
      if (g.inherited && g.target.kind === 'domain') {
        const rows = await this.d.db.selectFrom('projects').select('id').where('domain_id', '=', g.target.id).execute();
        targets = rows.map((r) => ({ kind: 'project', id: r.id }));
      } else if (g.inherited && g.target.kind === 'project') {
        targets = (await this.projects.descendants(g.target.id)).map((id) => ({ kind: 'project', id }));
      }
      for (const u of users) {
        for (const t of targets) {
          const base = { actor: { kind: 'user' as const, id: u.id }, target: t, inherited: false, via: u.via, source: g };
          out.push({ ...base, roleId: g.roleId });
          for (const implied of await this.roles.expand([g.roleId])) {
            if (implied !== g.roleId) out.push({ ...base, roleId: implied, prior: g.roleId });
          }
        }
      }
    }
    const scopeIds = f.projectId && f.includeSubtree ? [f.projectId, ...(await this.projects.descendants(f.projectId))] : f.projectId ? [f.projectId] : undefined;
    return out.filter((g) => {
      if (f.userId && g.actor.id !== f.userId) return false;
      if (f.groupId && g.via !== f.groupId) return false;
      if (f.roleId && g.roleId !== f.roleId) return false;
      if (scopeIds && !(g.target.kind === 'project' && scopeIds.includes(g.target.id))) return false;
      if (f.domainId && !(g.target.kind === 'domain' && g.target.id === f.domainId)) return false;
      if (f.system && g.target.kind !== 'system') return false;
      return true;
    });
  }

  private async render(g: EffectiveGrant, names: boolean): Promise<RoleAssignment> {
    const role: Record<string, unknown> = { id: g.roleId };
    if (names) {
      const r = await this.roles.find(g.roleId);
      if (r) {
        role.name = r.name;
        if (r.domain_id) role.domain = await this.domainRef(r.domain_id);
      }
    }
    let scope: Record<string, unknown>;
    if (g.target.kind === 'system') scope = { system: { all: true } };
    else if (g.target.kind === 'domain') scope = { domain: names ? await this.domainRef(g.target.id) : { id: g.target.id } };
    else {
      const project: Record<string, unknown> = { id: g.target.id };
      if (names) {
        const p = await this.projects.find(g.target.id);
        if (p) Object.assign(project, { name: p.name, domain: await this.domainRef(p.domain_id) });
      }
      scope = { project };
    }
    if (g.inherited) scope['OS-INHERIT:inherited_to'] = 'projects';
    const actor: Record<string, unknown> = { id: g.actor.id };
    if (names) {
      const row = g.actor.kind === 'user' ? await this.users.find(g.actor.id) : await this.groups.find(g.actor.id);
      if (row) Object.assign(actor, { name: row.name, domain: await this.domainRef(row.domain_id) });
    }
    const links: RoleAssignment['links'] = { assignment: grantPath(g.source ?? g) };
    if (g.via) links.membership = `/groups/${g.via}/users/${g.actor.id}`;
    if (g.prior) links.prior_role = `/roles/${g.prior}`;
    return { role, scope, [g.actor.kind]: actor, links };
  }

  private async domainRef(id: string): Promise<Named> {
    const d = await this.domains.find(id);
    return { id, name: d?.name ?? '' };
  }
}
