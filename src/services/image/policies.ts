/**
 * Glance's secure-RBAC defaults (glance/policies/image.py, image_member.py) as check strings.
 * In targets `project_id` is the image owner, `member_id` the project the image is shared with
 * and `visibility` the image's; which images exist for a caller at all is decided before policy,
 * as in Glance's database layer.
 */
export function imagePolicies(): Record<string, string> {
  const admin = 'rule:image:context_is_admin';
  const memberOrAdmin = `${admin} or (role:member and project_id:%(project_id)s)`;
  const sharedWith = (role: string) =>
    `${admin} or (role:${role} and (project_id:%(project_id)s or project_id:%(member_id)s or ` +
    `'community':%(visibility)s or 'public':%(visibility)s or 'shared':%(visibility)s))`;
  const ownerOrMemberReader = `${admin} or (role:reader and (project_id:%(project_id)s or project_id:%(member_id)s))`;

  return {
    'image:context_is_admin': 'role:admin',
    'image:add_image': memberOrAdmin,
    'image:delete_image': memberOrAdmin,
    'image:get_image': sharedWith('reader'),
    'image:get_images': `${admin} or (role:reader and project_id:%(project_id)s)`,
    'image:modify_image': memberOrAdmin,
    'image:publicize_image': admin,
    'image:communitize_image': memberOrAdmin,
    'image:download_image': sharedWith('member'),
    'image:upload_image': memberOrAdmin,
    'image:deactivate': memberOrAdmin,
    'image:reactivate': memberOrAdmin,
    'image:add_member': memberOrAdmin,
    'image:delete_member': memberOrAdmin,
    'image:get_member': ownerOrMemberReader,
    'image:get_members': ownerOrMemberReader,
    'image:modify_member': `${admin} or (role:member and project_id:%(member_id)s)`,
  };
}
