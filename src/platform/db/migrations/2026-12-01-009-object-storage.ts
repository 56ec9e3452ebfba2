import type { Kysely } from 'kysely';

// Frozen in time: imports no application code.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('object_accounts')
    .addColumn('project_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('meta', 'text', (c) => c.notNull())
    .addColumn('quota_bytes', 'integer')
    .addColumn('quota_objects', 'integer')
    .execute();
  await db.schema.createTable('buckets')
    .addColumn('name', 'varchar(255)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('region', 'varchar(64)', (c) => c.notNull())
    .addColumn('versioning', 'varchar(16)')
    .addColumn('acl', 'varchar(32)', (c) => c.notNull())
    .addColumn('policy', 'text')
    .addColumn('cors', 'text')
    .addColumn('lifecycle', 'text')
    .addColumn('tags', 'text')
    .addColumn('encryption', 'text')
    .addColumn('meta', 'text', (c) => c.notNull())
    .addColumn('swift_read', 'text')
    .addColumn('swift_write', 'text')
    .addColumn('quota_bytes', 'integer')
    .addColumn('quota_objects', 'integer')
    .addColumn('object_count', 'integer', (c) => c.notNull())
    .addColumn('bytes_used', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('buckets_project').on('buckets').columns(['project_id', 'name']).execute();
  // Every data file on disk has a row here, written in the transaction that makes it visible:
  // a file without a row is a leftover of a crash and is removed at start.
  await db.schema.createTable('object_segments')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('sealed_key', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createTable('objects')
    .addColumn('bucket', 'varchar(255)', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('version_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('is_latest', 'integer', (c) => c.notNull())
    .addColumn('delete_marker', 'integer', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('etag', 'varchar(64)', (c) => c.notNull())
    .addColumn('last_modified', 'integer', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('user_meta', 'text', (c) => c.notNull())
    .addColumn('headers', 'text', (c) => c.notNull())
    .addColumn('tags', 'text', (c) => c.notNull())
    .addColumn('checksum', 'text')
    .addColumn('sse_key_md5', 'varchar(64)')
    .addColumn('parts', 'text', (c) => c.notNull())
    .addColumn('segments', 'text', (c) => c.notNull())
    .addColumn('manifest', 'text')
    .addColumn('slo', 'integer', (c) => c.notNull())
    .addColumn('delete_at', 'integer')
    .addColumn('owner_project', 'varchar(64)', (c) => c.notNull())
    .addPrimaryKeyConstraint('objects_pk', ['bucket', 'key', 'version_id'])
    .execute();
  await db.schema.createIndex('objects_latest').on('objects').columns(['bucket', 'is_latest', 'key']).execute();
  await db.schema.createIndex('objects_versions').on('objects').columns(['bucket', 'key', 'seq']).execute();
  await db.schema.createIndex('objects_delete_at').on('objects').column('delete_at').where('delete_at', 'is not', null).execute();
  await db.schema.createTable('object_uploads')
    .addColumn('upload_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('bucket', 'varchar(255)', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('initiated', 'integer', (c) => c.notNull())
    .addColumn('options', 'text', (c) => c.notNull())
    .addColumn('owner_project', 'varchar(64)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('object_uploads_key').on('object_uploads').columns(['bucket', 'key', 'upload_id']).execute();
  await db.schema.createTable('object_upload_parts')
    .addColumn('upload_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('part_number', 'integer', (c) => c.notNull())
    .addColumn('segment', 'varchar(64)', (c) => c.notNull())
    .addColumn('etag', 'varchar(64)', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('checksum', 'text')
    .addColumn('last_modified', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('object_upload_parts_pk', ['upload_id', 'part_number'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['object_upload_parts', 'object_uploads', 'objects', 'object_segments', 'buckets', 'object_accounts']) {
    await db.schema.dropTable(t).execute();
  }
}
