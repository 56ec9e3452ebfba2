import type { Kysely } from 'kysely';

// Frozen in time: imports no application code.
export async function up(db: Kysely<any>): Promise<void> {
  // Cinder's user messages: why an asynchronous request failed, readable by the owning project.
  await db.schema.createTable('volume_messages')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('request_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('resource_type', 'varchar(36)', (c) => c.notNull())
    .addColumn('resource_uuid', 'varchar(36)')
    .addColumn('event_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('user_message', 'varchar(255)', (c) => c.notNull())
    .addColumn('message_level', 'varchar(255)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('expires_at', 'varchar(40)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('volume_messages_project').on('volume_messages').column('project_id').execute();
  await db.schema.createIndex('volume_messages_expires').on('volume_messages').column('expires_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('volume_messages').execute();
}
