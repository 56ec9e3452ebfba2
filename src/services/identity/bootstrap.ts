import type { Db } from '../../platform/db/index.ts';
import { hexId } from '../../platform/ids.ts';
import { nowIso } from './deps.ts';
import { hashSecret, randomSecret } from './passwords.ts';

export const DEFAULT_DOMAIN = 'default';
export const REGION = 'RegionOne';

/** Roles and what each implies; manager is the SCS Domain Manager (scs-0302). */
const ROLES: [string, string | null][] = [
  ['reader', null],
  ['member', 'reader'],
  ['manager', 'member'],
  ['admin', 'manager'],
  ['service', null],
  ['load-balancer_member', null],
];

export interface BootstrapUser {
  name: string;
  project: string;
  password: string;
}

/**
 * Creates the initial identity state once: Default domain, standard roles, region, `admin` and
 * `demo`. Returns the users with their freshly generated passwords on the first run, and nothing
 * afterwards: the passwords are kept nowhere but in the files the caller writes.
 */
export async function bootstrapIdentity(db: Db): Promise<BootstrapUser[] | undefined> {
  const existing = await db.selectFrom('domains').select('id').where('id', '=', DEFAULT_DOMAIN).executeTakeFirst();
  if (existing) return undefined;
  const users: BootstrapUser[] = [
    { name: 'admin', project: 'admin', password: randomSecret(18) },
    { name: 'demo', project: 'demo', password: randomSecret(18) },
  ];
  const hashes = await Promise.all(users.map((u) => hashSecret(u.password)));
  const now = nowIso();
  await db.transaction().execute(async (tx) => {
    await tx.insertInto('domains').values({ id: DEFAULT_DOMAIN, name: 'Default', description: 'The default domain', enabled: 1, extra: '{}', created_at: now }).execute();
    await tx.insertInto('regions').values({ id: REGION, description: '', parent_region_id: null, extra: '{}' }).execute();
    const roleIds = new Map<string, string>();
    for (const [name] of ROLES) {
      const id = hexId();
      roleIds.set(name, id);
      await tx.insertInto('roles').values({ id, name, domain_id: null, description: '', options: '{}' }).execute();
    }
    for (const [name, implies] of ROLES) {
      if (implies) await tx.insertInto('implied_roles').values({ prior_role_id: roleIds.get(name)!, implied_role_id: roleIds.get(implies)! }).execute();
    }
    for (const [i, u] of users.entries()) {
      const projectId = hexId();
      const userId = hexId();
      await tx.insertInto('projects').values({
        id: projectId, name: u.project, domain_id: DEFAULT_DOMAIN, parent_id: null,
        description: u.name === 'admin' ? 'Bootstrap project for initializing the cloud.' : 'Demo project', enabled: 1, extra: '{}', created_at: now,
      }).execute();
      await tx.insertInto('users').values({
        id: userId, name: u.name, domain_id: DEFAULT_DOMAIN, enabled: 1, password_hash: hashes[i]!, password_created_at: now,
        default_project_id: projectId, extra: '{}', options: '{}', created_at: now,
      }).execute();
      const role = roleIds.get(u.name === 'admin' ? 'admin' : 'member')!;
      await tx.insertInto('assignments').values({ type: 'UserProject', actor_id: userId, target_id: projectId, role_id: role, inherited: 0 }).execute();
      if (u.name === 'admin') {
        await tx.insertInto('assignments').values({ type: 'UserSystem', actor_id: userId, target_id: 'system', role_id: role, inherited: 0 }).execute();
        await tx.insertInto('assignments').values({ type: 'UserDomain', actor_id: userId, target_id: DEFAULT_DOMAIN, role_id: role, inherited: 0 }).execute();
      }
    }
  });
  return users;
}
