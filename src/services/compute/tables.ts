import type { Generated } from 'kysely';

/** Booleans are 0/1, timestamps ISO-8601 text, lists and maps JSON text, as in the other services. */
type Flag = number;

export interface FlavorTable {
  id: string;
  name: string;
  description: string | null;
  vcpus: number;
  /** MiB. */
  ram: number;
  /** GiB of the root disk; 0 means the image's size (SCS "diskless" flavors). */
  disk: number;
  ephemeral: number;
  swap: number;
  rxtx_factor: number;
  is_public: Flag;
  disabled: Flag;
  /** JSON object of strings. */
  extra_specs: string;
  created_at: string;
}

export interface FlavorAccessTable {
  flavor_id: string;
  project_id: string;
}

export interface KeypairTable {
  /** Nova shows keypairs' integer database id. */
  id: Generated<number>;
  user_id: string;
  name: string;
  type: string;
  public_key: string;
  fingerprint: string;
  created_at: string;
}

export interface InstanceTable {
  id: string;
  project_id: string;
  user_id: string;
  name: string;
  hostname: string;
  description: string | null;
  /** JSON of the flavor as it was at boot (Nova embeds it since 2.47). */
  flavor: string;
  /** JSON of the flavor before a resize, until it is confirmed or reverted. */
  old_flavor: string | null;
  /** `''` for servers booted from a volume. */
  image_id: string;
  key_name: string | null;
  key_data: string | null;
  /** Base64, as given. */
  user_data: string | null;
  metadata: string;
  vm_state: string;
  task_state: string | null;
  /** Nova's power_state numbers: 0 NOSTATE, 1 RUNNING, 3 PAUSED, 4 SHUTDOWN, 6 CRASHED, 7 SUSPENDED. */
  power_state: number;
  host: string | null;
  availability_zone: string;
  config_drive: Flag;
  /** `owner` or `admin` when locked. */
  locked_by: string | null;
  locked_reason: string | null;
  /** JSON `{code, message, details, created}` of the last failure. */
  fault: string | null;
  access_ip_v4: string | null;
  access_ip_v6: string | null;
  /** JSON of the `networks` request (`[{uuid|port|fixed_ip}]`, `auto` or `none`). */
  requested_networks: string;
  /** JSON `BlockDevice[]` of volumes still to be created from an image (or blank) during the build. */
  requested_volumes: string;
  /** JSON list of security group names asked for at boot. */
  security_groups: string;
  server_group_id: string | null;
  /** The image a running createImage uploads into. */
  snapshot_image_id: string | null;
  reservation_id: string;
  launch_index: number;
  launched_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface InstanceTagTable {
  instance_id: string;
  tag: string;
}

export interface BlockDeviceMappingTable {
  instance_id: string;
  volume_id: string;
  attachment_id: string | null;
  device_name: string;
  boot_index: number | null;
  delete_on_termination: Flag;
  tag: string | null;
  created_at: string;
}

/** Nova's instance actions: one per request that changed a server, until the server is deleted. */
export interface InstanceActionTable {
  /** `req-<uuid>`, the id of the API request (its `x-openstack-request-id`). */
  request_id: string;
  instance_id: string;
  /** Nova's action name: `create`, `stop`, `reboot`, `createImage`, `attach_volume`, ... */
  action: string;
  project_id: string;
  user_id: string;
  /** `Error` once an event of the action failed, else null. */
  message: string | null;
  /** ISO-8601 with milliseconds, so actions of one second keep their order. */
  start_time: string;
  updated_at: string | null;
}

/** The steps compute took for an action (`compute_stop_instance`, ...), with their outcome. */
export interface InstanceActionEventTable {
  instance_id: string;
  request_id: string;
  event: string;
  start_time: string;
  finish_time: string | null;
  /** `Success` or `Error`; null while it runs. */
  result: string | null;
  /** What failed (Nova shows its traceback to admins). */
  traceback: string | null;
  host: string | null;
}

export interface ServerGroupTable {
  id: string;
  project_id: string;
  user_id: string;
  name: string;
  /** `affinity`, `anti-affinity`, `soft-affinity` or `soft-anti-affinity`. */
  policy: string;
  /** JSON object (`max_server_per_host`). */
  rules: string;
  created_at: string;
}

export interface ComputeQuotaTable {
  project_id: string;
  resource: string;
  hard_limit: number;
}

/** Nova's service records: one per (host, binary); a disabled nova-compute takes no new servers. */
export interface ComputeServiceTable {
  /** Integer id below microversion 2.53. */
  id: Generated<number>;
  uuid: string;
  host: string;
  binary: string;
  disabled: Flag;
  disabled_reason: string | null;
  forced_down: Flag;
  created_at: string;
  updated_at: string | null;
}

export interface ComputeTables {
  flavors: FlavorTable;
  flavor_access: FlavorAccessTable;
  keypairs: KeypairTable;
  instances: InstanceTable;
  instance_tags: InstanceTagTable;
  block_device_mappings: BlockDeviceMappingTable;
  instance_actions: InstanceActionTable;
  instance_actions_events: InstanceActionEventTable;
  server_groups: ServerGroupTable;
  compute_quotas: ComputeQuotaTable;
  compute_services: ComputeServiceTable;
}
