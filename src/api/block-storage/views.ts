import type { Attachment, Backup, Message, Snapshot, Volume, VolumeType } from '../../services/block-storage/index.ts';
import { isoNaive } from '../../platform/time.ts';
import { atLeast, type Version } from './microversion.ts';

/** Cinder renders timestamps as naive UTC with microseconds. */
const ts = (iso: string | null) => (iso === null ? null : isoNaive(new Date(iso)));

/** Builds Cinder's `links` (self and bookmark) for resources of one project. */
export class Links {
  constructor(private readonly root: string) {}

  of(project: string, collection: string, id: string): { href: string; rel: string }[] {
    return [
      { href: `${this.root}/v3/${project}/${collection}/${id}`, rel: 'self' },
      { href: `${this.root}/${project}/${collection}/${id}`, rel: 'bookmark' },
    ];
  }

  /** The public URL of a request path under `/volume` (`req.url` starts with the prefix). */
  url(project: string, requestUrl: string): string {
    const rest = requestUrl.slice(requestUrl.indexOf(`/v3/${project}`) + `/v3/${project}`.length);
    return `${this.root}/v3/${project}${rest}`;
  }

  /** `volumes_links` etc.: a `next` link when a page was cut short. */
  next(url: string, marker: string | undefined): { href: string; rel: string }[] | undefined {
    if (marker === undefined) return undefined;
    const u = new URL(url);
    u.searchParams.set('marker', marker);
    return [{ href: u.toString(), rel: 'next' }];
  }
}

export function volumeSummary(v: Volume, links: Links): Record<string, unknown> {
  return { id: v.id, name: v.name, links: links.of(v.project_id, 'volumes', v.id) };
}

export function volumeDetail(v: Volume, links: Links, ver: Version, admin: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: v.id, name: v.name, description: v.description, status: v.status, size: v.size,
    availability_zone: v.availability_zone, bootable: String(v.bootable), encrypted: v.encrypted,
    metadata: v.metadata, snapshot_id: v.snapshot_id, source_volid: v.source_volid, volume_type: v.volume_type,
    user_id: v.user_id, 'os-vol-tenant-attr:tenant_id': v.project_id, created_at: ts(v.created_at), updated_at: ts(v.updated_at),
    attachments: v.attachments.map((a) => ({
      id: v.id, attachment_id: a.id, volume_id: v.id, server_id: a.instance_uuid, host_name: null, device: null, attached_at: ts(a.attached_at),
    })),
    links: links.of(v.project_id, 'volumes', v.id), multiattach: false, replication_status: null, consistencygroup_id: null,
    migration_status: null,
  };
  // Cinder's os-vol-image-meta extension shows the field only on volumes that have some.
  if (v.image_metadata !== null && Object.keys(v.image_metadata).length > 0) out.volume_image_metadata = v.image_metadata;
  if (admin) Object.assign(out, { 'os-vol-host-attr:host': 'sovcloud@file#file', 'os-vol-mig-status-attr:migstat': null, 'os-vol-mig-status-attr:name_id': null });
  if (atLeast(ver, '3.13')) out.group_id = null;
  if (atLeast(ver, '3.21') && admin) out.provider_id = null;
  if (atLeast(ver, '3.48')) Object.assign(out, { service_uuid: null, shared_targets: false });
  return out;
}

export function typeView(t: VolumeType): Record<string, unknown> {
  return {
    id: t.id, name: t.name, description: t.description, is_public: t.is_public, 'os-volume-type-access:is_public': t.is_public,
    extra_specs: t.extra_specs, qos_specs_id: null,
  };
}

export function snapshotView(s: Snapshot, ver: Version): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: s.id, name: s.name, description: s.description, volume_id: s.volume_id, status: s.status, size: s.size,
    metadata: s.metadata, created_at: ts(s.created_at), updated_at: ts(s.updated_at),
    'os-extended-snapshot-attributes:progress': s.status === 'available' ? '100%' : '0%',
    'os-extended-snapshot-attributes:project_id': s.project_id,
  };
  if (atLeast(ver, '3.14')) out.group_snapshot_id = null;
  if (atLeast(ver, '3.41')) out.user_id = s.user_id;
  return out;
}

export function backupSummary(b: Pick<Backup, 'id' | 'name' | 'project_id'>, links: Links): Record<string, unknown> {
  return { id: b.id, name: b.name, links: links.of(b.project_id, 'backups', b.id) };
}

export function backupDetail(b: Backup, links: Links, ver: Version, admin: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: b.id, name: b.name, description: b.description, status: b.status, fail_reason: b.fail_reason,
    availability_zone: b.availability_zone, volume_id: b.volume_id, size: b.size, object_count: b.object_count,
    container: b.container, created_at: ts(b.created_at), updated_at: ts(b.updated_at), data_timestamp: ts(b.data_timestamp),
    snapshot_id: null, is_incremental: b.is_incremental, has_dependent_backups: b.has_dependent_backups,
    links: links.of(b.project_id, 'backups', b.id),
  };
  if (atLeast(ver, '3.18') && admin) out['os-backup-project-attr:project_id'] = b.project_id;
  if (atLeast(ver, '3.43')) out.metadata = b.metadata;
  if (atLeast(ver, '3.56')) out.user_id = b.user_id;
  return out;
}

/** Cinder's message view: the expiry shows as `guaranteed_until`. */
export function messageView(m: Message, links: Links): Record<string, unknown> {
  return {
    id: m.id, event_id: m.event_id, user_message: m.user_message, message_level: m.message_level, resource_type: m.resource_type,
    resource_uuid: m.resource_uuid, request_id: m.request_id, created_at: ts(m.created_at), guaranteed_until: ts(m.expires_at),
    links: links.of(m.project_id, 'messages', m.id),
  };
}

export function attachmentView(a: Attachment): Record<string, unknown> {
  return { ...a, attached_at: ts(a.attached_at) };
}
