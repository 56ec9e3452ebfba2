/**
 * Keystone's secure-RBAC defaults with the SCS Domain Manager persona (scs-0302), as check strings.
 * `admin_required` keeps the legacy meaning (admin on any scope is cloud admin), which tempest and
 * every existing openrc with a project-scoped admin rely on.
 */
export function identityPolicies(domainManagedRoles: string[]): Record<string, string> {
  const managedRole = domainManagedRoles.map((r) => `'${r}':%(target.role.name)s`).join(' or ') || '!';
  const reader = '(role:reader and system_scope:all)';
  const sysAdmin = '(role:admin and system_scope:all)';
  const grantIn = (role: string) =>
    `((role:${role} and domain_id:%(target.user.domain_id)s and domain_id:%(target.project.domain_id)s) or ` +
    `(role:${role} and domain_id:%(target.user.domain_id)s and domain_id:%(target.domain.id)s) or ` +
    `(role:${role} and domain_id:%(target.group.domain_id)s and domain_id:%(target.project.domain_id)s) or ` +
    `(role:${role} and domain_id:%(target.group.domain_id)s and domain_id:%(target.domain.id)s))`;
  const mgr = (path: string) => `(rule:is_domain_manager and token.domain.id:%(${path})s)`;
  const owner = 'user_id:%(target.user.id)s';

  return {
    admin_required: 'role:admin or is_admin:1',
    is_domain_manager: 'role:manager',
    is_domain_managed_role: managedRole,
    is_domain_user_project_grant: 'token.domain.id:%(target.user.domain_id)s and token.domain.id:%(target.project.domain_id)s',
    is_domain_group_project_grant: 'token.domain.id:%(target.group.domain_id)s and token.domain.id:%(target.project.domain_id)s',
    is_domain_level_group_grant: 'token.domain.id:%(target.group.domain_id)s and token.domain.id:%(target.domain.id)s',
    is_domain_level_user_grant: 'token.domain.id:%(target.user.domain_id)s and token.domain.id:%(target.domain.id)s',
    domain_manager_grant: 'rule:is_domain_manager and (rule:is_domain_user_project_grant or rule:is_domain_group_project_grant or rule:is_domain_level_group_grant or rule:is_domain_level_user_grant)',

    'identity:get_domain': `${reader} or token.domain.id:%(target.domain.id)s or token.project.domain.id:%(target.domain.id)s or rule:admin_required`,
    'identity:list_domains': `rule:is_domain_manager or ${reader} or rule:admin_required`,
    'identity:create_domain': `${sysAdmin} or rule:admin_required`,
    'identity:update_domain': `${sysAdmin} or rule:admin_required`,
    'identity:delete_domain': `${sysAdmin} or rule:admin_required`,

    'identity:get_project': `${mgr('target.project.domain_id')} or ${reader} or (role:reader and domain_id:%(target.project.domain_id)s) or project_id:%(target.project.id)s or rule:admin_required`,
    'identity:list_projects': `${mgr('target.domain_id')} or ${reader} or (role:reader and domain_id:%(target.domain_id)s) or rule:admin_required`,
    'identity:list_user_projects': `${mgr('target.user.domain_id')} or ${reader} or (role:reader and domain_id:%(target.user.domain_id)s) or ${owner} or rule:admin_required`,
    'identity:create_project': `${mgr('target.project.domain_id')} or ${sysAdmin} or (role:admin and domain_id:%(target.project.domain_id)s) or rule:admin_required`,
    'identity:update_project': `${mgr('target.project.domain_id')} or ${sysAdmin} or (role:admin and domain_id:%(target.project.domain_id)s) or rule:admin_required`,
    'identity:delete_project': `${mgr('target.project.domain_id')} or ${sysAdmin} or (role:admin and domain_id:%(target.project.domain_id)s) or rule:admin_required`,
    'identity:list_project_tags': `${reader} or (role:reader and domain_id:%(target.project.domain_id)s) or project_id:%(target.project.id)s or rule:admin_required`,
    'identity:update_project_tags': `${mgr('target.project.domain_id')} or ${sysAdmin} or (role:admin and domain_id:%(target.project.domain_id)s) or (role:admin and project_id:%(target.project.id)s) or rule:admin_required`,

    'identity:get_user': `${mgr('target.user.domain_id')} or ${reader} or (role:reader and token.domain.id:%(target.user.domain_id)s) or ${owner} or rule:admin_required`,
    'identity:list_users': `${mgr('target.domain_id')} or ${reader} or (role:reader and domain_id:%(target.domain_id)s) or rule:admin_required`,
    'identity:create_user': `${mgr('target.user.domain_id')} or ${sysAdmin} or (role:admin and token.domain.id:%(target.user.domain_id)s) or rule:admin_required`,
    'identity:update_user': `${mgr('target.user.domain_id')} or ${sysAdmin} or (role:admin and token.domain.id:%(target.user.domain_id)s) or rule:admin_required`,
    'identity:delete_user': `${mgr('target.user.domain_id')} or ${sysAdmin} or (role:admin and token.domain.id:%(target.user.domain_id)s) or rule:admin_required`,

    'identity:get_group': `${mgr('target.group.domain_id')} or ${reader} or (role:reader and domain_id:%(target.group.domain_id)s) or rule:admin_required`,
    'identity:list_groups': `${mgr('target.group.domain_id')} or ${reader} or (role:reader and domain_id:%(target.group.domain_id)s) or rule:admin_required`,
    'identity:create_group': `${mgr('target.group.domain_id')} or ${sysAdmin} or (role:admin and domain_id:%(target.group.domain_id)s) or rule:admin_required`,
    'identity:update_group': `${mgr('target.group.domain_id')} or ${sysAdmin} or (role:admin and domain_id:%(target.group.domain_id)s) or rule:admin_required`,
    'identity:delete_group': `${mgr('target.group.domain_id')} or ${sysAdmin} or (role:admin and domain_id:%(target.group.domain_id)s) or rule:admin_required`,
    'identity:list_groups_for_user': `${mgr('target.user.domain_id')} or ${reader} or (role:reader and domain_id:%(target.user.domain_id)s) or ${owner} or rule:admin_required`,
    'identity:list_users_in_group': `${mgr('target.group.domain_id')} or ${reader} or (role:reader and domain_id:%(target.group.domain_id)s) or rule:admin_required`,
    'identity:add_user_to_group': `(rule:is_domain_manager and token.domain.id:%(target.group.domain_id)s and token.domain.id:%(target.user.domain_id)s) or ${sysAdmin} or (role:admin and domain_id:%(target.group.domain_id)s and domain_id:%(target.user.domain_id)s) or rule:admin_required`,
    'identity:remove_user_from_group': `(rule:is_domain_manager and token.domain.id:%(target.group.domain_id)s and token.domain.id:%(target.user.domain_id)s) or ${sysAdmin} or (role:admin and domain_id:%(target.group.domain_id)s and domain_id:%(target.user.domain_id)s) or rule:admin_required`,
    'identity:check_user_in_group': `(rule:is_domain_manager and token.domain.id:%(target.group.domain_id)s and token.domain.id:%(target.user.domain_id)s) or ${reader} or (role:reader and domain_id:%(target.group.domain_id)s and domain_id:%(target.user.domain_id)s) or rule:admin_required`,

    'identity:get_role': `(rule:is_domain_manager and rule:is_domain_managed_role) or ${reader} or rule:admin_required`,
    'identity:list_roles': `rule:is_domain_manager or ${reader} or rule:admin_required`,
    'identity:create_role': `${sysAdmin} or rule:admin_required`,
    'identity:update_role': `${sysAdmin} or rule:admin_required`,
    'identity:delete_role': `${sysAdmin} or rule:admin_required`,
    'identity:list_implied_roles': `${reader} or rule:admin_required`,
    'identity:create_implied_role': `${sysAdmin} or rule:admin_required`,
    'identity:delete_implied_role': `${sysAdmin} or rule:admin_required`,

    'identity:check_grant': `rule:domain_manager_grant or ${reader} or ${grantIn('reader')} or rule:admin_required`,
    'identity:list_grants': `rule:domain_manager_grant or ${reader} or ${grantIn('reader')} or rule:admin_required`,
    'identity:create_grant': `(rule:domain_manager_grant and rule:is_domain_managed_role) or ${sysAdmin} or (${grantIn('admin')} and (domain_id:%(target.role.domain_id)s or None:%(target.role.domain_id)s)) or rule:admin_required`,
    'identity:revoke_grant': `(rule:domain_manager_grant and rule:is_domain_managed_role) or ${sysAdmin} or (${grantIn('admin')} and (domain_id:%(target.role.domain_id)s or None:%(target.role.domain_id)s)) or rule:admin_required`,
    'identity:list_role_assignments': `${mgr('target.domain_id')} or ${reader} or (role:reader and domain_id:%(target.domain_id)s) or rule:admin_required`,
    'identity:list_system_grants': `${reader} or rule:admin_required`,
    'identity:create_system_grant': `${sysAdmin} or rule:admin_required`,
    'identity:revoke_system_grant': `${sysAdmin} or rule:admin_required`,

    'identity:get_region': '',
    'identity:list_regions': '',
    'identity:create_region': `${sysAdmin} or rule:admin_required`,
    'identity:update_region': `${sysAdmin} or rule:admin_required`,
    'identity:delete_region': `${sysAdmin} or rule:admin_required`,
    'identity:get_service': `${reader} or rule:admin_required`,
    'identity:list_services': `${reader} or rule:admin_required`,
    'identity:create_service': `${sysAdmin} or rule:admin_required`,
    'identity:update_service': `${sysAdmin} or rule:admin_required`,
    'identity:delete_service': `${sysAdmin} or rule:admin_required`,
    'identity:get_endpoint': `${reader} or rule:admin_required`,
    'identity:list_endpoints': `${reader} or rule:admin_required`,
    'identity:create_endpoint': `${sysAdmin} or rule:admin_required`,
    'identity:update_endpoint': `${sysAdmin} or rule:admin_required`,
    'identity:delete_endpoint': `${sysAdmin} or rule:admin_required`,

    'identity:get_application_credential': `${reader} or ${owner} or rule:admin_required`,
    'identity:list_application_credentials': `${reader} or ${owner} or rule:admin_required`,
    'identity:create_application_credential': owner,
    'identity:delete_application_credential': `${sysAdmin} or ${owner} or rule:admin_required`,

    'identity:get_credential': `${reader} or user_id:%(target.credential.user_id)s or rule:admin_required`,
    'identity:list_credentials': `${reader} or user_id:%(target.credential.user_id)s or rule:admin_required`,
    'identity:create_credential': `${sysAdmin} or user_id:%(target.credential.user_id)s or rule:admin_required`,
    'identity:update_credential': `${sysAdmin} or user_id:%(target.credential.user_id)s or rule:admin_required`,
    'identity:delete_credential': `${sysAdmin} or user_id:%(target.credential.user_id)s or rule:admin_required`,
    'identity:ec2_get_credential': `${reader} or user_id:%(target.credential.user_id)s or rule:admin_required`,
    'identity:ec2_list_credentials': `${reader} or ${owner} or rule:admin_required`,
    'identity:ec2_create_credential': `${sysAdmin} or ${owner} or rule:admin_required`,
    'identity:ec2_delete_credential': `${sysAdmin} or user_id:%(target.credential.user_id)s or rule:admin_required`,

    'identity:validate_token': `${reader} or rule:service_or_admin or rule:token_subject`,
    'identity:check_token': `${reader} or rule:service_or_admin or rule:token_subject`,
    'identity:revoke_token': `${sysAdmin} or rule:service_or_admin or rule:token_subject`,
    service_or_admin: 'rule:admin_required or role:service',
    token_subject: 'user_id:%(target.token.user_id)s',
  };
}
