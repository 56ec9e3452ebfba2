/** Booleans are 0/1, timestamps ISO-8601 text, free-form maps JSON text, as in the other services. */
type Flag = number;

export interface VolumeTypeTable {
  id: string;
  name: string;
  description: string | null;
  is_public: Flag;
  /** JSON object of string extra specs. */
  extra_specs: string;
  /** JSON of the encryption spec (`provider`, `cipher`, `key_size`, `control_location`); null means plain. */
  encryption: string | null;
  created_at: string;
  updated_at: string | null;
}

export interface VolumeTable {
  /** A dashed UUID. */
  id: string;
  project_id: string;
  user_id: string;
  /** Never null: unnamed volumes are `""` on the wire. */
  name: string;
  description: string | null;
  /** GiB. */
  size: number;
  status: string;
  volume_type_id: string;
  availability_zone: string;
  bootable: Flag;
  metadata: string;
  snapshot_id: string | null;
  source_volid: string | null;
  backup_id: string | null;
  /** The volume's LUKS passphrase sealed by the `volume` master key (base64); null for plain volumes. */
  encryption_key: string | null;
  /** Why the last background step failed; cleared when a step succeeds. */
  fault: string | null;
  /** JSON object of strings: what the volume keeps of the image it was made from (Cinder's volume_glance_metadata). */
  image_metadata: string | null;
  created_at: string;
  updated_at: string | null;
}

export interface SnapshotTable {
  id: string;
  project_id: string;
  user_id: string;
  volume_id: string;
  name: string;
  description: string | null;
  size: number;
  status: string;
  metadata: string;
  fault: string | null;
  created_at: string;
  updated_at: string | null;
}

export interface AttachmentTable {
  id: string;
  project_id: string;
  volume_id: string;
  instance_uuid: string | null;
  /** reserved, attaching, attached; a detached attachment is deleted. */
  status: string;
  attach_mode: string;
  /** JSON of the connector the host sent; null while only reserved. */
  connector: string | null;
  attached_at: string | null;
  created_at: string;
}

export interface BackupTable {
  id: string;
  project_id: string;
  user_id: string;
  volume_id: string;
  name: string;
  description: string | null;
  /** GiB of the source volume. */
  size: number;
  status: string;
  fail_reason: string | null;
  container: string | null;
  is_incremental: Flag;
  /** The backup an incremental one builds on; deleting a parent with children is refused. */
  parent_id: string | null;
  object_count: number;
  metadata: string;
  availability_zone: string;
  /** The volume a running restore writes to, so a restart can put it into error_restoring. */
  restore_volume_id: string | null;
  created_at: string;
  updated_at: string | null;
  data_timestamp: string;
}

export interface QuotaTable {
  project_id: string;
  resource: string;
  hard_limit: number;
}

/** Cinder's `messages` table, with the user message resolved when the message is recorded. */
export interface MessageTable {
  id: string;
  project_id: string;
  request_id: string;
  /** VOLUME, VOLUME_SNAPSHOT or VOLUME_BACKUP. */
  resource_type: string;
  resource_uuid: string | null;
  /** `VOLUME_<resource_type>_<action id>_<detail id>`, as Cinder composes it. */
  event_id: string;
  user_message: string;
  message_level: string;
  created_at: string;
  /** Shown as `guaranteed_until`; the message is purged after it. */
  expires_at: string;
}

export interface BlockStorageTables {
  volume_types: VolumeTypeTable;
  volumes: VolumeTable;
  volume_snapshots: SnapshotTable;
  volume_attachments: AttachmentTable;
  volume_backups: BackupTable;
  volume_quotas: QuotaTable;
  volume_messages: MessageTable;
}
