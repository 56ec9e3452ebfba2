import type { Kysely } from 'kysely';

// Frozen in time: imports no application code.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('placement_providers')
    .addColumn('uuid', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(200)', (c) => c.notNull().unique())
    .addColumn('generation', 'integer', (c) => c.notNull())
    .addColumn('parent_uuid', 'varchar(36)', (c) => c.references('placement_providers.uuid'))
    .addColumn('root_uuid', 'varchar(36)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(40)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('placement_providers_root').on('placement_providers').column('root_uuid').execute();
  await db.schema.createIndex('placement_providers_parent').on('placement_providers').column('parent_uuid').execute();
  await db.schema.createTable('placement_inventories')
    .addColumn('provider_uuid', 'varchar(36)', (c) => c.notNull().references('placement_providers.uuid'))
    .addColumn('resource_class', 'varchar(255)', (c) => c.notNull())
    .addColumn('total', 'integer', (c) => c.notNull())
    .addColumn('reserved', 'integer', (c) => c.notNull())
    .addColumn('min_unit', 'integer', (c) => c.notNull())
    .addColumn('max_unit', 'integer', (c) => c.notNull())
    .addColumn('step_size', 'integer', (c) => c.notNull())
    .addColumn('allocation_ratio', 'real', (c) => c.notNull())
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(40)', (c) => c.notNull())
    .addPrimaryKeyConstraint('placement_inventories_pk', ['provider_uuid', 'resource_class'])
    .execute();
  await db.schema.createTable('placement_resource_classes')
    .addColumn('name', 'varchar(255)', (c) => c.primaryKey())
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .execute();
  await db.schema.createTable('placement_traits')
    .addColumn('name', 'varchar(255)', (c) => c.primaryKey())
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .execute();
  await db.schema.createTable('placement_provider_traits')
    .addColumn('provider_uuid', 'varchar(36)', (c) => c.notNull().references('placement_providers.uuid'))
    .addColumn('trait', 'varchar(255)', (c) => c.notNull())
    .addPrimaryKeyConstraint('placement_provider_traits_pk', ['provider_uuid', 'trait'])
    .execute();
  await db.schema.createIndex('placement_provider_traits_trait').on('placement_provider_traits').column('trait').execute();
  await db.schema.createTable('placement_provider_aggregates')
    .addColumn('provider_uuid', 'varchar(36)', (c) => c.notNull().references('placement_providers.uuid'))
    .addColumn('aggregate_uuid', 'varchar(36)', (c) => c.notNull())
    .addPrimaryKeyConstraint('placement_provider_aggregates_pk', ['provider_uuid', 'aggregate_uuid'])
    .execute();
  await db.schema.createIndex('placement_provider_aggregates_aggregate').on('placement_provider_aggregates').column('aggregate_uuid').execute();
  await db.schema.createTable('placement_consumers')
    .addColumn('uuid', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('user_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('generation', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(40)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('placement_consumers_project').on('placement_consumers').columns(['project_id', 'user_id']).execute();
  await db.schema.createTable('placement_allocations')
    .addColumn('consumer_uuid', 'varchar(36)', (c) => c.notNull().references('placement_consumers.uuid'))
    .addColumn('provider_uuid', 'varchar(36)', (c) => c.notNull().references('placement_providers.uuid'))
    .addColumn('resource_class', 'varchar(255)', (c) => c.notNull())
    .addColumn('used', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addPrimaryKeyConstraint('placement_allocations_pk', ['consumer_uuid', 'provider_uuid', 'resource_class'])
    .execute();
  await db.schema.createIndex('placement_allocations_provider').on('placement_allocations').columns(['provider_uuid', 'resource_class']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['placement_allocations', 'placement_consumers', 'placement_provider_aggregates', 'placement_provider_traits', 'placement_traits',
    'placement_resource_classes', 'placement_inventories', 'placement_providers']) {
    await db.schema.dropTable(t).execute();
  }
}
