/**
 * Cinder's secure-RBAC defaults as check strings: readers of a project read, members change,
 * `admin` manages types, quotas and every project's resources. Policy targets carry the owning
 * project as `project_id`.
 */
export function blockStoragePolicies(): Record<string, string> {
  const reader = 'rule:project_reader or rule:admin_api';
  const member = 'rule:project_member or rule:admin_api';
  const admin = 'rule:admin_api';
  const rules: Record<string, string> = {
    admin_api: 'role:admin',
    context_is_admin: 'role:admin',
    project_reader: 'role:reader and project_id:%(project_id)s',
    project_member: 'role:member and project_id:%(project_id)s',
  };
  for (const a of ['volume:get', 'volume:get_all', 'volume:get_volume_metadata', 'volume:get_snapshot', 'volume:get_all_snapshots',
    'backup:get', 'backup:get_all', 'volume:attachment_get', 'volume:attachment_get_all', 'volume_extension:quotas:show',
    'volume_extension:type_get', 'volume_extension:types_extra_specs:index', 'volume_extension:volume_type_encryption:get', 'limits_extension:used_limits',
    'volume_extension:availability_zone_list', 'volume_extension:volume_image_metadata:show', 'message:get', 'message:get_all']) rules[a] = reader;
  for (const a of ['volume:create', 'volume:create_from_image', 'volume:update', 'volume:delete', 'volume:extend',
    'volume:update_volume_metadata', 'volume:delete_volume_metadata', 'volume_extension:volume_actions:set_bootable',
    'volume:create_snapshot', 'volume:update_snapshot', 'volume:delete_snapshot',
    'backup:create', 'backup:delete', 'backup:restore', 'backup:update',
    'volume:attachment_create', 'volume:attachment_update', 'volume:attachment_delete', 'volume:attachment_complete',
    'volume_extension:volume_image_metadata:set', 'volume_extension:volume_image_metadata:remove', 'volume:revert_to_snapshot', 'message:delete']) rules[a] = member;
  for (const a of ['volume_extension:types_manage', 'volume_extension:types_extra_specs:create', 'volume_extension:types_extra_specs:update',
    'volume_extension:types_extra_specs:delete', 'volume_extension:quotas:update', 'volume_extension:quotas:delete',
    'volume_extension:volume_admin_actions:reset_status', 'volume_extension:volume_admin_actions:force_delete',
    'volume_extension:volume_tenant_attribute']) rules[a] = admin;
  // Admins list every project's volumes only when they ask for it (`all_tenants`).
  rules['volume:get_all_tenants'] = admin;
  return rules;
}
