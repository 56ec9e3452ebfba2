import type { Config } from '../../platform/config.ts';
import { loadKey } from '../../platform/crypto.ts';
import type { Db } from '../../platform/db/index.ts';
import type { PolicyEngine } from '../../platform/policy/engine.ts';
import { ApplicationCredentials } from './application-credentials.ts';
import { Assignments } from './assignments.ts';
import { Catalog } from './catalog.ts';
import { Credentials } from './credentials.ts';
import type { IdentityDeps } from './deps.ts';
import { Domains } from './domains.ts';
import { Groups } from './groups.ts';
import { identityPolicies } from './policies.ts';
import { Projects } from './projects.ts';
import { RevocationList } from './revocations.ts';
import { Roles } from './roles.ts';
import { Tokens } from './tokens.ts';
import { Users } from './users.ts';

export type { AuthRequest } from './tokens.ts';
export type { CatalogEntry } from './catalog.ts';
export type { TokenPayload } from './token-format.ts';

/** Keystone v3: the public interface other services and the HTTP layer use. */
export interface Identity {
  domains: Domains;
  projects: Projects;
  users: Users;
  groups: Groups;
  roles: Roles;
  assignments: Assignments;
  catalog: Catalog;
  applicationCredentials: ApplicationCredentials;
  credentials: Credentials;
  tokens: Tokens;
}

export async function createIdentity(db: Db, config: Config, policy: PolicyEngine): Promise<Identity> {
  policy.registerDefaults(identityPolicies(config.domainManagedRoles));
  // Tokens may outlive their lifetime only through allow_expired; keep their revocations as long.
  const revocations = new RevocationList(db, 2 * config.tokenLifetimeSeconds * 1000);
  await revocations.load();
  const d: IdentityDeps = {
    db,
    config,
    policy,
    revocations,
    tokenKey: loadKey(config.stateDir, 'token'),
    credentialKey: loadKey(config.stateDir, 'credential'),
  };
  const domains = new Domains(d);
  const projects = new Projects(d, domains);
  const users = new Users(d, domains);
  const groups = new Groups(d, domains, users);
  const roles = new Roles(d);
  const assignments = new Assignments(d, domains, projects, users, groups, roles);
  const applicationCredentials = new ApplicationCredentials(d, users, roles);
  return {
    domains,
    projects,
    users,
    groups,
    roles,
    assignments,
    catalog: new Catalog(d),
    applicationCredentials,
    credentials: new Credentials(d, users, projects),
    tokens: new Tokens(d, domains, projects, users, roles, assignments, applicationCredentials),
  };
}
