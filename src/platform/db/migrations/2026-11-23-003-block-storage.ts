import type { Kysely } from 'kysely';

// Frozen in time: imports no application code.
export async function up(db: Kysely<any>): Promise<void> {
  const s = db.schema;
  await s.createTable('volume_types')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(255)', (c) => c.notNull().unique())
    .addColumn('description', 'varchar(255)')
    .addColumn('is_public', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('extra_specs', 'text', (c) => c.notNull())
    .addColumn('encryption', 'text')
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(40)')
    .execute();
  await s.createTable('volumes')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('user_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('description', 'varchar(255)')
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('status', 'varchar(30)', (c) => c.notNull())
    .addColumn('volume_type_id', 'varchar(36)', (c) => c.notNull().references('volume_types.id'))
    .addColumn('availability_zone', 'varchar(255)', (c) => c.notNull())
    .addColumn('bootable', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('snapshot_id', 'varchar(36)')
    .addColumn('source_volid', 'varchar(36)')
    .addColumn('backup_id', 'varchar(36)')
    .addColumn('encryption_key', 'text')
    .addColumn('fault', 'text')
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(40)')
    .execute();
  await s.createIndex('volumes_project').on('volumes').column('project_id').execute();
  await s.createTable('volume_snapshots')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('user_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('volume_id', 'varchar(36)', (c) => c.notNull().references('volumes.id'))
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('description', 'varchar(255)')
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('status', 'varchar(30)', (c) => c.notNull())
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('fault', 'text')
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(40)')
    .execute();
  await s.createIndex('volume_snapshots_volume').on('volume_snapshots').column('volume_id').execute();
  await s.createTable('volume_attachments')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('volume_id', 'varchar(36)', (c) => c.notNull().references('volumes.id'))
    .addColumn('instance_uuid', 'varchar(36)')
    .addColumn('status', 'varchar(30)', (c) => c.notNull())
    .addColumn('attach_mode', 'varchar(4)', (c) => c.notNull())
    .addColumn('connector', 'text')
    .addColumn('attached_at', 'varchar(40)')
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .execute();
  await s.createIndex('volume_attachments_volume').on('volume_attachments').column('volume_id').execute();
  await s.createTable('volume_backups')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('user_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('volume_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('description', 'varchar(255)')
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('status', 'varchar(30)', (c) => c.notNull())
    .addColumn('fail_reason', 'text')
    .addColumn('container', 'varchar(255)')
    .addColumn('is_incremental', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('parent_id', 'varchar(36)')
    .addColumn('object_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('availability_zone', 'varchar(255)', (c) => c.notNull())
    .addColumn('restore_volume_id', 'varchar(36)')
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(40)')
    .addColumn('data_timestamp', 'varchar(40)', (c) => c.notNull())
    .execute();
  await s.createIndex('volume_backups_project').on('volume_backups').column('project_id').execute();
  await s.createTable('volume_quotas')
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('resource', 'varchar(255)', (c) => c.notNull())
    .addColumn('hard_limit', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('volume_quotas_pk', ['project_id', 'resource'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['volume_quotas', 'volume_backups', 'volume_attachments', 'volume_snapshots', 'volumes', 'volume_types']) {
    await db.schema.dropTable(t).execute();
  }
}
