import type { Kysely } from 'kysely';

// Frozen in time: imports no application code.
export async function up(db: Kysely<any>): Promise<void> {
  const s = db.schema;
  await s.createTable('domains')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(255)', (c) => c.notNull().unique())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .execute();
  await s.createTable('projects')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('domain_id', 'varchar(64)', (c) => c.notNull().references('domains.id'))
    .addColumn('parent_id', 'varchar(64)', (c) => c.references('projects.id'))
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addUniqueConstraint('projects_domain_name', ['domain_id', 'name'])
    .execute();
  await s.createTable('project_tags')
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addPrimaryKeyConstraint('project_tags_pk', ['project_id', 'name'])
    .execute();
  await s.createTable('users')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('domain_id', 'varchar(64)', (c) => c.notNull().references('domains.id'))
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('password_hash', 'text')
    .addColumn('password_created_at', 'varchar(40)')
    .addColumn('default_project_id', 'varchar(64)')
    .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('options', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addUniqueConstraint('users_domain_name', ['domain_id', 'name'])
    .execute();
  await s.createTable('groups')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('domain_id', 'varchar(64)', (c) => c.notNull().references('domains.id'))
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
    .addUniqueConstraint('groups_domain_name', ['domain_id', 'name'])
    .execute();
  await s.createTable('group_members')
    .addColumn('group_id', 'varchar(64)', (c) => c.notNull().references('groups.id').onDelete('cascade'))
    .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('group_members_pk', ['group_id', 'user_id'])
    .execute();
  await s.createTable('roles')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('domain_id', 'varchar(64)')
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('options', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
  await s.createIndex('roles_domain_name').unique().on('roles').columns(['domain_id', 'name']).execute();
  await s.createTable('implied_roles')
    .addColumn('prior_role_id', 'varchar(64)', (c) => c.notNull().references('roles.id').onDelete('cascade'))
    .addColumn('implied_role_id', 'varchar(64)', (c) => c.notNull().references('roles.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('implied_roles_pk', ['prior_role_id', 'implied_role_id'])
    .execute();
  await s.createTable('assignments')
    .addColumn('type', 'varchar(16)', (c) => c.notNull())
    .addColumn('actor_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('target_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('role_id', 'varchar(64)', (c) => c.notNull().references('roles.id').onDelete('cascade'))
    .addColumn('inherited', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('assignments_pk', ['type', 'actor_id', 'target_id', 'role_id', 'inherited'])
    .execute();
  await s.createIndex('assignments_target').on('assignments').column('target_id').execute();
  await s.createIndex('assignments_actor').on('assignments').column('actor_id').execute();
  await s.createTable('regions')
    .addColumn('id', 'varchar(255)', (c) => c.primaryKey())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('parent_region_id', 'varchar(255)', (c) => c.references('regions.id'))
    .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
  await s.createTable('services')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('type', 'varchar(255)', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
  await s.createTable('endpoints')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('service_id', 'varchar(64)', (c) => c.notNull().references('services.id').onDelete('cascade'))
    .addColumn('interface', 'varchar(8)', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('region_id', 'varchar(255)', (c) => c.references('regions.id'))
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
  await s.createTable('application_credentials')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'varchar(40)')
    .addColumn('unrestricted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('role_ids', 'text', (c) => c.notNull())
    .addColumn('access_rules', 'text', (c) => c.notNull().defaultTo('[]'))
    .addUniqueConstraint('app_creds_user_name', ['user_id', 'name'])
    .execute();
  await s.createTable('credentials')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('project_id', 'varchar(64)')
    .addColumn('type', 'varchar(255)', (c) => c.notNull())
    .addColumn('encrypted_blob', 'text', (c) => c.notNull())
    .addColumn('access_key', 'varchar(255)', (c) => c.unique())
    .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
  await s.createTable('revocation_events')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('user_id', 'varchar(64)')
    .addColumn('project_id', 'varchar(64)')
    .addColumn('domain_id', 'varchar(64)')
    .addColumn('audit_id', 'varchar(64)')
    .addColumn('role_id', 'varchar(64)')
    .addColumn('application_credential_id', 'varchar(64)')
    .addColumn('issued_before', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['revocation_events', 'credentials', 'application_credentials', 'endpoints', 'services', 'regions',
    'assignments', 'implied_roles', 'roles', 'group_members', 'groups', 'users', 'project_tags', 'projects', 'domains']) {
    await db.schema.dropTable(t).execute();
  }
}
