import type { CreateTableBuilder, Kysely } from 'kysely';

// Frozen in time: imports no application code.
function standard(t: CreateTableBuilder<string, never>): CreateTableBuilder<string, never> {
  return t.addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('description', 'varchar(255)', (c) => c.notNull())
    .addColumn('revision_number', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(40)', (c) => c.notNull());
}

/** A security group rule's match, shared by rules and the templates new groups copy. */
function ruleColumns(t: CreateTableBuilder<string, never>): CreateTableBuilder<string, never> {
  return t    .addColumn('direction', 'varchar(16)', (c) => c.notNull())
    .addColumn('ethertype', 'varchar(8)', (c) => c.notNull())
    .addColumn('protocol', 'varchar(40)')
    .addColumn('port_range_min', 'integer')
    .addColumn('port_range_max', 'integer')
    .addColumn('remote_ip_prefix', 'varchar(64)')
    .addColumn('remote_group_id', 'varchar(36)')
    .addColumn('remote_address_group_id', 'varchar(36)')
    .addColumn('description', 'varchar(255)', (c) => c.notNull());
}

export async function up(db: Kysely<any>): Promise<void> {
  await standard(db.schema.createTable('networks'))
    .addColumn('admin_state_up', 'integer', (c) => c.notNull())
    .addColumn('shared', 'integer', (c) => c.notNull())
    .addColumn('external', 'integer', (c) => c.notNull())
    .addColumn('is_default', 'integer', (c) => c.notNull())
    .addColumn('mtu', 'integer', (c) => c.notNull())
    .addColumn('port_security_enabled', 'integer', (c) => c.notNull())
    .addColumn('dns_domain', 'varchar(255)', (c) => c.notNull())
    .addColumn('availability_zone_hints', 'text', (c) => c.notNull())
    .execute();
  await standard(db.schema.createTable('subnets'))
    .addColumn('network_id', 'varchar(36)', (c) => c.notNull().references('networks.id'))
    .addColumn('ip_version', 'integer', (c) => c.notNull())
    .addColumn('cidr', 'varchar(64)', (c) => c.notNull())
    .addColumn('gateway_ip', 'varchar(64)')
    .addColumn('enable_dhcp', 'integer', (c) => c.notNull())
    .addColumn('allocation_pools', 'text', (c) => c.notNull())
    .addColumn('dns_nameservers', 'text', (c) => c.notNull())
    .addColumn('host_routes', 'text', (c) => c.notNull())
    .addColumn('ipv6_ra_mode', 'varchar(32)')
    .addColumn('ipv6_address_mode', 'varchar(32)')
    .addColumn('subnetpool_id', 'varchar(36)')
    .addColumn('service_types', 'text', (c) => c.notNull())
    .addColumn('dns_publish_fixed_ip', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('subnets_network').on('subnets').column('network_id').execute();
  await standard(db.schema.createTable('subnet_pools'))
    .addColumn('ip_version', 'integer', (c) => c.notNull())
    .addColumn('prefixes', 'text', (c) => c.notNull())
    .addColumn('default_prefixlen', 'integer', (c) => c.notNull())
    .addColumn('min_prefixlen', 'integer', (c) => c.notNull())
    .addColumn('max_prefixlen', 'integer', (c) => c.notNull())
    .addColumn('shared', 'integer', (c) => c.notNull())
    .addColumn('is_default', 'integer', (c) => c.notNull())
    .addColumn('default_quota', 'integer')
    .addColumn('address_scope_id', 'varchar(36)')
    .execute();
  await standard(db.schema.createTable('ports'))
    .addColumn('network_id', 'varchar(36)', (c) => c.notNull().references('networks.id'))
    .addColumn('mac_address', 'varchar(32)', (c) => c.notNull())
    .addColumn('admin_state_up', 'integer', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('device_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('device_owner', 'varchar(255)', (c) => c.notNull())
    .addColumn('binding_host_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('binding_profile', 'text', (c) => c.notNull())
    .addColumn('binding_vnic_type', 'varchar(64)', (c) => c.notNull())
    .addColumn('port_security_enabled', 'integer', (c) => c.notNull())
    .addColumn('security_groups', 'text', (c) => c.notNull())
    .addColumn('allowed_address_pairs', 'text', (c) => c.notNull())
    .addColumn('dns_name', 'varchar(255)', (c) => c.notNull())
    .addColumn('extra_dhcp_opts', 'text', (c) => c.notNull())
    .addUniqueConstraint('ports_network_mac', ['network_id', 'mac_address'])
    .execute();
  await db.schema.createIndex('ports_device').on('ports').column('device_id').execute();
  await db.schema.createTable('ip_allocations')
    .addColumn('subnet_id', 'varchar(36)', (c) => c.notNull().references('subnets.id'))
    .addColumn('ip_address', 'varchar(64)', (c) => c.notNull())
    .addColumn('port_id', 'varchar(36)', (c) => c.notNull().references('ports.id').onDelete('cascade'))
    .addColumn('network_id', 'varchar(36)', (c) => c.notNull())
    .addPrimaryKeyConstraint('ip_allocations_pk', ['subnet_id', 'ip_address'])
    .execute();
  await db.schema.createIndex('ip_allocations_port').on('ip_allocations').column('port_id').execute();
  await standard(db.schema.createTable('routers'))
    .addColumn('admin_state_up', 'integer', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('gw_port_id', 'varchar(36)')
    .addColumn('enable_snat', 'integer', (c) => c.notNull())
    .addColumn('routes', 'text', (c) => c.notNull())
    .addColumn('availability_zone_hints', 'text', (c) => c.notNull())
    .execute();
  await standard(db.schema.createTable('floating_ips'))
    .addColumn('floating_network_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('floating_ip_address', 'varchar(64)', (c) => c.notNull())
    .addColumn('floating_port_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('port_id', 'varchar(36)')
    .addColumn('fixed_ip_address', 'varchar(64)')
    .addColumn('router_id', 'varchar(36)')
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('dns_name', 'varchar(255)', (c) => c.notNull())
    .addColumn('dns_domain', 'varchar(255)', (c) => c.notNull())
    .execute();
  await standard(db.schema.createTable('security_groups'))
    .addColumn('stateful', 'integer', (c) => c.notNull())
    .addColumn('is_default', 'integer', (c) => c.notNull())
    .execute();
  // One default group per project, even when two first requests race to create it.
  await db.schema.createIndex('security_groups_one_default').on('security_groups').columns(['project_id', 'is_default']).unique()
    .where('is_default', '=', 1).execute();
  await ruleColumns(db.schema.createTable('security_group_rules')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('security_group_id', 'varchar(36)', (c) => c.notNull().references('security_groups.id').onDelete('cascade')))
    .addColumn('revision_number', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(40)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('security_group_rules_group').on('security_group_rules').column('security_group_id').execute();
  await ruleColumns(db.schema.createTable('default_security_group_rules')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey()))
    .addColumn('used_in_default_sg', 'integer', (c) => c.notNull())
    .addColumn('used_in_non_default_sg', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createTable('network_tags')
    .addColumn('resource_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('tag', 'varchar(255)', (c) => c.notNull())
    .addPrimaryKeyConstraint('network_tags_pk', ['resource_id', 'tag'])
    .execute();
  await db.schema.createTable('network_quotas')
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('resource', 'varchar(64)', (c) => c.notNull())
    .addColumn('hard_limit', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('network_quotas_pk', ['project_id', 'resource'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['network_quotas', 'network_tags', 'default_security_group_rules', 'security_group_rules', 'security_groups',
    'floating_ips', 'routers', 'ip_allocations', 'ports', 'subnet_pools', 'subnets', 'networks']) {
    await db.schema.dropTable(t).execute();
  }
}
