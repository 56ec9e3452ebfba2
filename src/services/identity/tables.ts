import type { Generated } from 'kysely';

/** Booleans are 0/1 and timestamps ISO-8601 text, so the same SQL runs on SQLite and PostgreSQL. */
type Flag = number;

export interface DomainTable {
  id: string;
  name: string;
  description: string;
  enabled: Flag;
  extra: string;
  created_at: string;
}

export interface ProjectTable {
  id: string;
  name: string;
  domain_id: string;
  /** null: the project sits directly under its domain. */
  parent_id: string | null;
  description: string;
  enabled: Flag;
  extra: string;
  created_at: string;
}

export interface ProjectTagTable {
  project_id: string;
  name: string;
}

export interface UserTable {
  id: string;
  name: string;
  domain_id: string;
  enabled: Flag;
  password_hash: string | null;
  password_created_at: string | null;
  default_project_id: string | null;
  extra: string;
  options: string;
  created_at: string;
}

export interface GroupTable {
  id: string;
  name: string;
  domain_id: string;
  description: string;
  extra: string;
}

export interface GroupMemberTable {
  group_id: string;
  user_id: string;
}

export interface RoleTable {
  id: string;
  name: string;
  /** null: a global role. */
  domain_id: string | null;
  description: string;
  options: string;
}

export interface ImpliedRoleTable {
  prior_role_id: string;
  implied_role_id: string;
}

export type AssignmentType = 'UserProject' | 'GroupProject' | 'UserDomain' | 'GroupDomain' | 'UserSystem' | 'GroupSystem';

export interface AssignmentTable {
  type: AssignmentType;
  actor_id: string;
  /** project or domain id; `system` for system assignments. */
  target_id: string;
  role_id: string;
  inherited: Flag;
}

export interface RegionTable {
  id: string;
  description: string;
  parent_region_id: string | null;
  extra: string;
}

export interface ServiceTable {
  id: string;
  type: string;
  name: string;
  description: string;
  enabled: Flag;
  extra: string;
}

export interface EndpointTable {
  id: string;
  service_id: string;
  interface: string;
  url: string;
  region_id: string | null;
  enabled: Flag;
  extra: string;
}

export interface ApplicationCredentialTable {
  id: string;
  name: string;
  user_id: string;
  project_id: string;
  description: string;
  secret_hash: string;
  expires_at: string | null;
  unrestricted: Flag;
  /** JSON array of role ids, fixed at creation. */
  role_ids: string;
  access_rules: string;
}

export interface CredentialTable {
  id: string;
  user_id: string;
  project_id: string | null;
  type: string;
  /** The blob, AES-GCM encrypted with the credential key kept apart from the database. */
  encrypted_blob: string;
  /** For `ec2` credentials: the access key, so S3 can find the credential without decrypting all. */
  access_key: string | null;
  extra: string;
}

export interface RevocationEventTable {
  id: Generated<number>;
  user_id: string | null;
  project_id: string | null;
  domain_id: string | null;
  audit_id: string | null;
  role_id: string | null;
  application_credential_id: string | null;
  /** Tokens issued at or before this instant (epoch ms) that match are revoked. */
  issued_before: number;
}

export interface IdentityTables {
  domains: DomainTable;
  projects: ProjectTable;
  project_tags: ProjectTagTable;
  users: UserTable;
  groups: GroupTable;
  group_members: GroupMemberTable;
  roles: RoleTable;
  implied_roles: ImpliedRoleTable;
  assignments: AssignmentTable;
  regions: RegionTable;
  services: ServiceTable;
  endpoints: EndpointTable;
  application_credentials: ApplicationCredentialTable;
  credentials: CredentialTable;
  revocation_events: RevocationEventTable;
}
