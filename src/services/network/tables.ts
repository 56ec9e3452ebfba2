/** Booleans are 0/1, timestamps ISO-8601 text, lists and maps JSON text, as in the other services. */
type Flag = number;

/** Columns every Neutron resource has (standard attributes). */
interface Standard {
  id: string;
  project_id: string;
  name: string;
  description: string;
  revision_number: number;
  created_at: string;
  updated_at: string;
}

export interface NetworkTable extends Standard {
  admin_state_up: Flag;
  shared: Flag;
  external: Flag;
  /** The external network new routers' gateways default to (`is_default`). */
  is_default: Flag;
  mtu: number;
  port_security_enabled: Flag;
  dns_domain: string;
  availability_zone_hints: string;
}

export interface SubnetTable extends Standard {
  network_id: string;
  ip_version: number;
  cidr: string;
  gateway_ip: string | null;
  enable_dhcp: Flag;
  /** JSON `[{start, end}]`. */
  allocation_pools: string;
  /** JSON string list. */
  dns_nameservers: string;
  /** JSON `[{destination, nexthop}]`. */
  host_routes: string;
  ipv6_ra_mode: string | null;
  ipv6_address_mode: string | null;
  subnetpool_id: string | null;
  /** JSON string list. */
  service_types: string;
  dns_publish_fixed_ip: Flag;
}

export interface SubnetPoolTable extends Standard {
  ip_version: number;
  /** JSON list of CIDRs. */
  prefixes: string;
  default_prefixlen: number;
  min_prefixlen: number;
  max_prefixlen: number;
  shared: Flag;
  is_default: Flag;
  default_quota: number | null;
  address_scope_id: string | null;
}

export interface PortTable extends Standard {
  network_id: string;
  mac_address: string;
  admin_state_up: Flag;
  status: string;
  device_id: string;
  device_owner: string;
  binding_host_id: string;
  /** JSON object. */
  binding_profile: string;
  binding_vnic_type: string;
  port_security_enabled: Flag;
  /** JSON list of security group ids. */
  security_groups: string;
  /** JSON `[{ip_address, mac_address}]`. */
  allowed_address_pairs: string;
  dns_name: string;
  /** JSON `[{opt_name, opt_value, ip_version}]`. */
  extra_dhcp_opts: string;
}

/** Neutron's IPAM: one row per address in use, so two ports can never get the same one. */
export interface IpAllocationTable {
  subnet_id: string;
  ip_address: string;
  port_id: string;
  network_id: string;
}

export interface RouterTable extends Standard {
  admin_state_up: Flag;
  status: string;
  gw_port_id: string | null;
  enable_snat: Flag;
  /** JSON `[{destination, nexthop}]`. */
  routes: string;
  availability_zone_hints: string;
}

export interface FloatingIpTable extends Standard {
  floating_network_id: string;
  floating_ip_address: string;
  /** The port holding the address on the external network (device_owner network:floatingip). */
  floating_port_id: string;
  port_id: string | null;
  fixed_ip_address: string | null;
  router_id: string | null;
  status: string;
  dns_name: string;
  dns_domain: string;
}

export interface SecurityGroupTable extends Standard {
  stateful: Flag;
  /** The project's `default` group, which Neutron creates on first use and never lets be deleted. */
  is_default: Flag;
}

/** What a rule and a default-rule template have in common. */
export interface RuleFields {
  direction: string;
  ethertype: string;
  protocol: string | null;
  port_range_min: number | null;
  port_range_max: number | null;
  remote_ip_prefix: string | null;
  /** In a template, `PARENT` means the group the rule is copied into. */
  remote_group_id: string | null;
  remote_address_group_id: string | null;
  description: string;
}

export interface SecurityGroupRuleTable extends RuleFields {
  id: string;
  project_id: string;
  security_group_id: string;
  revision_number: number;
  created_at: string;
  updated_at: string;
}

/** Templates for the rules of new security groups (Neutron's `default-security-group-rules`). */
export interface DefaultSecurityGroupRuleTable extends RuleFields {
  id: string;
  used_in_default_sg: Flag;
  used_in_non_default_sg: Flag;
}

export interface NetworkTagTable {
  resource_id: string;
  tag: string;
}

export interface NetworkQuotaTable {
  project_id: string;
  resource: string;
  hard_limit: number;
}

export interface NetworkTables {
  networks: NetworkTable;
  subnets: SubnetTable;
  subnet_pools: SubnetPoolTable;
  ports: PortTable;
  ip_allocations: IpAllocationTable;
  routers: RouterTable;
  floating_ips: FloatingIpTable;
  security_groups: SecurityGroupTable;
  security_group_rules: SecurityGroupRuleTable;
  default_security_group_rules: DefaultSecurityGroupRuleTable;
  network_tags: NetworkTagTable;
  network_quotas: NetworkQuotaTable;
}
