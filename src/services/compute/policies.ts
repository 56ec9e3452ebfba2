/**
 * Nova's secure-RBAC defaults as check strings (`os_compute_api:*`): project readers read,
 * members act, admins manage flavors, quotas, hypervisors and every project's servers. Targets
 * carry the owning project as `project_id` (keypairs: `user_id`).
 */
export function computePolicies(): Record<string, string> {
  const reader = 'rule:project_reader_or_admin';
  const member = 'rule:project_member_or_admin';
  const admin = 'rule:context_is_admin';
  const rules: Record<string, string> = {
    context_is_admin: 'role:admin',
    project_reader_or_admin: 'role:reader and project_id:%(project_id)s or rule:context_is_admin',
    project_member_or_admin: 'role:member and project_id:%(project_id)s or rule:context_is_admin',
    admin_or_owner_user: 'user_id:%(user_id)s or rule:context_is_admin',
  };
  for (const a of ['servers:index', 'servers:detail', 'servers:show', 'os-server-tags:index', 'os-server-tags:show', 'server-metadata:index', 'server-metadata:show',
    'os-console-output', 'os-volumes-attachments:index', 'os-volumes-attachments:show', 'os-attach-interfaces:list', 'os-attach-interfaces:show',
    'os-instance-actions:list', 'os-instance-actions:show', 'limits', 'os-server-groups:index', 'os-server-groups:show', 'os-availability-zone:list',
    'os-quota-sets:show', 'os-quota-sets:detail', 'os-quota-sets:defaults', 'os-security-groups:list', 'os-security-groups:get', 'os-security-groups:show', 'os-server-password:show', 'ips:index', 'ips:show']) {
    rules[`os_compute_api:${a}`] = reader;
  }
  for (const a of ['servers:create', 'servers:update', 'servers:delete', 'servers:reboot', 'servers:start', 'servers:stop', 'servers:resize',
    'servers:confirm_resize', 'servers:revert_resize', 'servers:rebuild', 'servers:create_image', 'os-pause-server:pause', 'os-pause-server:unpause',
    'os-suspend-server:suspend', 'os-suspend-server:resume', 'os-lock-server:lock', 'os-lock-server:unlock', 'os-server-tags:update',
    'os-server-tags:update_all', 'os-server-tags:delete', 'os-server-tags:delete_all', 'server-metadata:create', 'server-metadata:update',
    'server-metadata:update_all', 'server-metadata:delete', 'os-volumes-attachments:create', 'os-volumes-attachments:delete',
    'os-attach-interfaces:create', 'os-attach-interfaces:delete', 'os-server-groups:create', 'os-server-groups:delete',
    'os-security-groups:add', 'os-security-groups:remove', 'os-security-groups:create', 'os-security-groups:update', 'os-security-groups:delete',
    'os-security-groups:rule:create', 'os-security-groups:rule:delete', 'os-shelve:shelve', 'os-shelve:unshelve', 'os-remote-consoles']) {
    rules[`os_compute_api:${a}`] = member;
  }
  for (const a of ['os-flavor-manage:create', 'os-flavor-manage:update', 'os-flavor-manage:delete', 'os-flavor-extra-specs:create',
    'os-flavor-extra-specs:update', 'os-flavor-extra-specs:delete', 'os-flavor-access:add_tenant_access', 'os-flavor-access:remove_tenant_access',
    'os-flavor-access', 'os-quota-sets:update', 'os-quota-sets:delete', 'os-hypervisors:list', 'os-hypervisors:list-detail', 'os-hypervisors:show',
    'os-hypervisors:statistics', 'os-services:list', 'os-services:update', 'os-services:delete', 'servers:detail:get_all_tenants',
    'servers:index:get_all_tenants', 'os-extended-server-attributes', 'os-lock-server:unlock:unlock_override', 'servers:create:forced_host',
    'os-availability-zone:detail', 'os-admin-actions:reset_state', 'servers:show:host_status', 'limits:other_project',
    'os-server-groups:index:all_projects', 'os-hypervisors:uptime', 'os-aggregates:index', 'os-instance-actions:events']) {
    rules[`os_compute_api:${a}`] = admin;
  }
  rules['os_compute_api:os-keypairs:index'] = 'rule:admin_or_owner_user';
  rules['os_compute_api:os-keypairs:show'] = 'rule:admin_or_owner_user';
  rules['os_compute_api:os-keypairs:create'] = 'rule:admin_or_owner_user';
  rules['os_compute_api:os-keypairs:delete'] = 'rule:admin_or_owner_user';
  // Everyone sees public flavors and their extra specs (2.61 lists them with the flavor).
  rules['os_compute_api:os-flavor-extra-specs:index'] = '';
  rules['os_compute_api:os-flavor-extra-specs:show'] = '';
  return rules;
}
