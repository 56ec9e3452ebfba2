/**
 * Neutron's secure-RBAC defaults as check strings. Targets carry the owning project as
 * `project_id`. Reads are filtered in code by visibility (own project, shared and external
 * networks, admin sees all), as Neutron answers "not found" for what a caller may not see.
 */
export function networkPolicies(): Record<string, string> {
  const member = 'rule:admin_only or rule:project_member';
  const admin = 'rule:admin_only';
  const rules: Record<string, string> = {
    context_is_admin: 'role:admin',
    admin_only: 'rule:context_is_admin',
    project_member: 'role:member and project_id:%(project_id)s',
    project_reader: 'role:reader and project_id:%(project_id)s',
    get_quota: 'rule:admin_only or rule:project_reader',
    update_quota: admin,
    delete_quota: admin,
    get_default_security_group_rule: '',
    create_default_security_group_rule: admin,
    delete_default_security_group_rule: admin,
  };
  for (const r of ['network', 'subnet', 'subnetpool', 'port', 'router', 'floatingip', 'security_group', 'security_group_rule']) {
    for (const verb of ['create', 'update', 'delete']) rules[`${verb}_${r}`] = member;
  }
  for (const a of ['create_network:shared', 'update_network:shared', 'create_network:router:external', 'update_network:router:external',
    'create_network:is_default', 'update_network:is_default', 'create_network:provider',
    'create_subnetpool:shared', 'create_subnetpool:is_default', 'update_subnetpool:is_default',
    'create_port:binding:host_id', 'update_port:binding:host_id', 'create_port:binding:profile', 'update_port:binding:profile',
    'create_router:external_gateway_info:external_fixed_ips', 'update_router:external_gateway_info:external_fixed_ips',
    'create_router:distributed', 'create_router:ha', 'create_floatingip:floating_ip_address']) rules[a] = admin;
  return rules;
}
