import { randomBytes } from 'node:crypto';
import type { AuthContext } from '../../platform/auth.ts';
import { bool } from '../../platform/db/index.ts';
import { BadRequest, Conflict, NotFound } from '../../platform/errors.ts';
import { uuid } from '../../platform/ids.ts';
import type { Page } from '../../platform/pagination.ts';
import { paginate } from '../../platform/pagination.ts';
import {
  AVAILABILITY_ZONE, callerProject, enforce, isAdmin, nowIso, parseMap, sealPassphrase, visible, volumeNotFound, volumeSpec,
  type BlockStorageDeps,
} from './deps.ts';
import { restoreBackupData } from './backup-data.ts';
import { ImageUnacceptable, volumeImageMetadata, type ImageDescription } from './image-source.ts';
import { Action, Detail, type MessageSpec } from './messages.ts';
import type { Quotas } from './quotas.ts';
import type { AttachmentTable, VolumeTable } from './tables.ts';
import type { VolumeTypes } from './types.ts';

/** A volume as the API shows it: the row with its maps parsed, its type named and its attachments. */
export interface Volume extends Omit<VolumeTable, 'metadata' | 'bootable' | 'encryption_key' | 'backup_id' | 'image_metadata'> {
  bootable: boolean;
  encrypted: boolean;
  metadata: Record<string, string>;
  /** What the volume keeps of the image it was made from; null when it was not. */
  image_metadata: Record<string, string> | null;
  volume_type: string;
  attachments: AttachmentTable[];
}

export interface VolumeCreate {
  size?: number | null;
  name?: string | null;
  description?: string | null;
  volume_type?: string | null;
  metadata?: Record<string, string>;
  snapshot_id?: string | null;
  source_volid?: string | null;
  backup_id?: string | null;
  availability_zone?: string | null;
  imageRef?: string | null;
  multiattach?: boolean;
}

export interface VolumeFilters {
  name?: string | undefined;
  status?: string | undefined;
  metadata?: Record<string, string> | undefined;
  bootable?: boolean | undefined;
  allTenants?: boolean | undefined;
  projectId?: string | undefined;
}

/** Statuses from which a volume may be deleted (Cinder's list, minus the states we never enter). */
const DELETABLE = ['available', 'error', 'error_restoring', 'error_extending', 'error_managing'];

/** Where the slow part of create starts from; the controller runs it. */
export type Source =
  | { kind: 'blank' }
  | { kind: 'snapshot'; id: string }
  | { kind: 'volume'; id: string }
  | { kind: 'backup'; id: string }
  // The caller's context: the download runs as the caller, under the image service's policy.
  | { kind: 'image'; image: ImageDescription & { disk_format: string }; ctx: AuthContext };

const GiB = 1024 ** 3;

export class Volumes {
  constructor(private readonly d: BlockStorageDeps, private readonly types: VolumeTypes, private readonly quotas: Quotas) {}

  async row(id: string): Promise<VolumeTable | undefined> {
    return this.d.db.selectFrom('volumes').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** A volume the caller may see, or "not found" (never "forbidden") for other projects'. */
  async visibleRow(ctx: AuthContext, id: string): Promise<VolumeTable> {
    const row = await this.row(id);
    if (!row || !visible(this.d, ctx, row.project_id)) throw volumeNotFound(id);
    return row;
  }

  async render(row: VolumeTable): Promise<Volume> {
    const type = await this.types.row(row.volume_type_id);
    const attachments = await this.d.db.selectFrom('volume_attachments').selectAll().where('volume_id', '=', row.id).where('status', '=', 'attached').execute();
    return {
      id: row.id, project_id: row.project_id, user_id: row.user_id, name: row.name, description: row.description, size: row.size,
      status: row.status, availability_zone: row.availability_zone, bootable: bool(row.bootable), encrypted: row.encryption_key !== null,
      metadata: parseMap(row.metadata), image_metadata: row.image_metadata === null ? null : parseMap(row.image_metadata), snapshot_id: row.snapshot_id, source_volid: row.source_volid,
      volume_type: type?.name ?? '', volume_type_id: row.volume_type_id, attachments, fault: row.fault,
      created_at: row.created_at, updated_at: row.updated_at,
    };
  }

  async list(ctx: AuthContext, f: VolumeFilters, page: { limit?: number | undefined; marker?: string | undefined }): Promise<Page<Volume>> {
    const project = callerProject(ctx);
    enforce(this.d, ctx, 'volume:get_all', { project_id: project });
    let q = this.d.db.selectFrom('volumes').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc');
    if (!(f.allTenants && isAdmin(this.d, ctx))) q = q.where('project_id', '=', project);
    else if (f.projectId !== undefined) q = q.where('project_id', '=', f.projectId);
    if (f.name !== undefined) q = q.where('name', '=', f.name);
    if (f.status !== undefined) q = q.where('status', '=', f.status.toLowerCase());
    if (f.bootable !== undefined) q = q.where('bootable', '=', f.bootable ? 1 : 0);
    let rows = await q.execute();
    if (f.metadata) {
      const want = Object.entries(f.metadata);
      rows = rows.filter((r) => { const m = parseMap(r.metadata); return want.every(([k, v]) => m[k] === v); });
    }
    const p = paginate(rows, page);
    return { items: await Promise.all(p.items.map((r) => this.render(r))), ...(p.nextMarker ? { nextMarker: p.nextMarker } : {}) };
  }

  async get(ctx: AuthContext, id: string): Promise<Volume> {
    const row = await this.visibleRow(ctx, id);
    enforce(this.d, ctx, 'volume:get', { project_id: row.project_id });
    return this.render(row);
  }

  async create(ctx: AuthContext, input: VolumeCreate): Promise<Volume> {
    const project = callerProject(ctx);
    enforce(this.d, ctx, 'volume:create', { project_id: project });
    if (input.imageRef) enforce(this.d, ctx, 'volume:create_from_image', { project_id: project });
    if (input.availability_zone && input.availability_zone !== AVAILABILITY_ZONE) throw new BadRequest(`Availability zone '${input.availability_zone}' is invalid.`);
    const sources = [input.snapshot_id, input.source_volid, input.backup_id, input.imageRef].filter((s) => s);
    if (sources.length > 1) throw new BadRequest('Invalid input received: only one of snapshot_id, source_volid, backup_id and imageRef may be given.');

    let source: Source = { kind: 'blank' };
    let minSize = 1;
    let typeRef = input.volume_type;
    let inheritedKey: Buffer | undefined;
    if (input.snapshot_id) {
      const snap = await this.d.db.selectFrom('volume_snapshots').selectAll().where('id', '=', input.snapshot_id).executeTakeFirst();
      if (!snap || !visible(this.d, ctx, snap.project_id)) throw new NotFound(`Snapshot ${input.snapshot_id} could not be found.`);
      if (snap.status !== 'available') throw new BadRequest(`Invalid snapshot: Originating snapshot status must be one of 'available' values`);
      const origin = (await this.row(snap.volume_id))!;
      source = { kind: 'snapshot', id: snap.id };
      minSize = snap.size;
      typeRef ??= origin.volume_type_id;
      inheritedKey = volumeSpec(this.d, origin).passphrase;
    } else if (input.source_volid) {
      const src = await this.visibleRow(ctx, input.source_volid);
      if (!['available', 'in-use'].includes(src.status)) throw new BadRequest(`Invalid volume: Volume ${src.id} status must be available or in-use, but current status is: ${src.status}.`);
      source = { kind: 'volume', id: src.id };
      minSize = src.size;
      typeRef ??= src.volume_type_id;
      inheritedKey = volumeSpec(this.d, src).passphrase;
    } else if (input.backup_id) {
      const backup = await this.d.db.selectFrom('volume_backups').selectAll().where('id', '=', input.backup_id).executeTakeFirst();
      if (!backup || !visible(this.d, ctx, backup.project_id)) throw new NotFound(`Backup ${input.backup_id} could not be found.`);
      if (backup.status !== 'available') throw new BadRequest(`Invalid backup: Backup status must be available but is ${backup.status}.`);
      source = { kind: 'backup', id: backup.id };
      minSize = backup.size;
    } else if (input.imageRef) {
      source = { kind: 'image', image: await this.findImage(ctx, input.imageRef), ctx };
    }
    if ((source.kind === 'blank' || source.kind === 'image') && (input.size === undefined || input.size === null)) {
      throw new BadRequest("Invalid input for field/attribute size. Value: None. None is not of type 'integer'");
    }
    const size = input.size ?? minSize;
    if (size < minSize) throw new BadRequest(`Invalid input received: Volume size '${size}'GB cannot be smaller than the source size ${minSize}GB.`);
    if (source.kind === 'image') checkImageFits(source.image, size);
    const type = await this.types.resolve(typeRef);
    const encrypted = type.encryption !== null;
    if (encrypted && !this.d.driver.capabilities.encryption) throw new BadRequest('This cloud cannot create encrypted volumes.');
    if (inheritedKey !== undefined && !encrypted) throw new BadRequest('An encrypted source yields only encrypted volumes.');

    const id = uuid();
    // A copied LUKS volume shares its source's passphrase, as Cinder clones the key.
    const passphrase = encrypted ? inheritedKey ?? Buffer.from(randomBytes(32).toString('hex')) : undefined;
    const row: VolumeTable = {
      id, project_id: project, user_id: ctx.user.id, name: input.name ?? '', description: input.description ?? null, size,
      status: 'creating', volume_type_id: type.id, availability_zone: AVAILABILITY_ZONE, bootable: 0,
      metadata: JSON.stringify(input.metadata ?? {}), snapshot_id: input.snapshot_id ?? null, source_volid: input.source_volid ?? null,
      backup_id: input.backup_id ?? null, encryption_key: passphrase ? sealPassphrase(this.d, id, passphrase) : null,
      fault: null, image_metadata: null, created_at: nowIso(), updated_at: null,
    };
    await this.d.db.transaction().execute(async (tx) => {
      await this.quotas.check(tx, project, { volumes: 1, gigabytes: size });
      await tx.insertInto('volumes').values(row).execute();
    });
    const [action, detail] = source.kind === 'image' ? [Action.COPY_IMAGE_TO_VOLUME, Detail.UNKNOWN_ERROR]
      : source.kind === 'backup' ? [Action.BACKUP_RESTORE, Detail.BACKUP_RESTORE_ERROR] : [Action.CREATE_VOLUME_FROM_BACKEND, Detail.DRIVER_FAILED_CREATE];
    this.d.worker.run({ volume: id }, volumeMessage(row, action, detail), () => this.build(row, source), (fault) => this.setStatus(id, 'error', fault));
    return this.render(row);
  }

  async update(ctx: AuthContext, id: string, patch: { name?: string | null; description?: string | null; metadata?: Record<string, string> }): Promise<Volume> {
    const row = await this.visibleRow(ctx, id);
    enforce(this.d, ctx, 'volume:update', { project_id: row.project_id });
    const next: VolumeTable = {
      ...row,
      name: patch.name === undefined ? row.name : patch.name ?? '',
      description: patch.description === undefined ? row.description : patch.description,
      metadata: patch.metadata === undefined ? row.metadata : JSON.stringify(patch.metadata),
      updated_at: nowIso(),
    };
    await this.d.db.updateTable('volumes').set(next).where('id', '=', id).execute();
    return this.render(next);
  }

  async delete(ctx: AuthContext, id: string, o: { cascade?: boolean; force?: boolean }): Promise<void> {
    const row = await this.visibleRow(ctx, id);
    enforce(this.d, ctx, o.force ? 'volume_extension:volume_admin_actions:force_delete' : 'volume:delete', { project_id: row.project_id });
    const snaps = await this.d.db.selectFrom('volume_snapshots').select(['id', 'status']).where('volume_id', '=', id).execute();
    const attached = await this.d.db.selectFrom('volume_attachments').select('id').where('volume_id', '=', id).executeTakeFirst();
    if ((!o.force && !DELETABLE.includes(row.status)) || attached || (snaps.length > 0 && !o.cascade)) {
      throw new BadRequest('Invalid volume: Volume status must be available or error or error_restoring or error_extending or error_managing and must not be migrating, attached, belong to a group, have snapshots, awaiting a transfer, or be disassociated from snapshots after volume transfer.');
    }
    if (snaps.some((s) => !['available', 'error'].includes(s.status))) throw new BadRequest('Invalid volume: Snapshot of volume is busy; wait for it to finish.');
    const moved = await this.d.db.transaction().execute(async (tx) => {
      const r = await tx.updateTable('volumes').set({ status: 'deleting', updated_at: nowIso() }).where('id', '=', id).where('status', '=', row.status).executeTakeFirst();
      if (r.numUpdatedRows === 0n) return false;
      await tx.updateTable('volume_snapshots').set({ status: 'deleting', updated_at: nowIso() }).where('volume_id', '=', id).execute();
      return true;
    });
    if (!moved) throw new BadRequest(`Invalid volume: Volume ${id} changed status while being deleted; retry.`);
    this.d.worker.run({ volume: id }, volumeMessage(row, Action.VOLUME_DELETE, Detail.UNKNOWN_ERROR), () => this.finishDelete(id), (fault) => this.setStatus(id, 'error_deleting', fault));
  }

  /** The controller half of delete: snapshots, then the volume, then its rows. Safe to repeat. */
  async finishDelete(id: string): Promise<void> {
    for (const s of await this.d.db.selectFrom('volume_snapshots').select('id').where('volume_id', '=', id).execute()) {
      await this.d.driver.deleteSnapshot(s.id);
      await this.d.db.deleteFrom('volume_snapshots').where('id', '=', s.id).execute();
    }
    await this.d.driver.delete(id);
    await this.d.db.deleteFrom('volumes').where('id', '=', id).execute();
  }

  async extend(ctx: AuthContext, id: string, newSize: number): Promise<void> {
    const row = await this.visibleRow(ctx, id);
    enforce(this.d, ctx, 'volume:extend', { project_id: row.project_id });
    if (row.status !== 'available') throw new BadRequest(`Invalid volume: Volume ${id} status must be available to extend, but current status is: ${row.status}.`);
    if (!Number.isInteger(newSize) || newSize <= row.size) {
      throw new BadRequest(`Invalid input received: New size for extend must be greater than current size. (current: ${row.size}, extended: ${newSize}).`);
    }
    await this.d.db.transaction().execute(async (tx) => {
      await this.quotas.check(tx, row.project_id, { gigabytes: newSize - row.size });
      await tx.updateTable('volumes').set({ status: 'extending', updated_at: nowIso() }).where('id', '=', id).execute();
    });
    this.d.worker.run({ volume: id }, volumeMessage(row, Action.EXTEND_VOLUME, Detail.DRIVER_FAILED_EXTEND), async () => {
      await this.d.driver.extend({ ...volumeSpec(this.d, row), sizeGiB: newSize });
      await this.d.db.updateTable('volumes').set({ size: newSize, status: 'available', fault: null, updated_at: nowIso() }).where('id', '=', id).execute();
    }, (fault) => this.setStatus(id, 'error_extending', fault));
  }

  /**
   * Cinder's revert (3.40): only to the volume's latest snapshot, of the volume's size, both
   * available; checks and words as Cinder's volumes controller and `volume.api.revert_to_snapshot`.
   */
  async revert(ctx: AuthContext, id: string, snapshotId: string | undefined): Promise<void> {
    const row = await this.visibleRow(ctx, id);
    const latest = await this.d.db.selectFrom('volume_snapshots').selectAll().where('volume_id', '=', id).orderBy('created_at', 'desc').executeTakeFirst();
    if (!latest) throw new BadRequest(`Volume ${id} doesn't have any snapshots.`);
    if (snapshotId === undefined || snapshotId !== latest.id) throw new BadRequest(`Specified snapshot ${snapshotId ?? 'None'} is None or not the latest one of volume ${id}.`);
    if (row.size !== latest.size) {
      throw new BadRequest(`Can't revert volume ${id} to its latest snapshot ${latest.id}. The volume size must be equal to the snapshot size.`);
    }
    enforce(this.d, ctx, 'volume:revert_to_snapshot', { project_id: row.project_id });
    await this.d.db.transaction().execute(async (tx) => {
      const now = nowIso();
      const v = await tx.updateTable('volumes').set({ status: 'reverting', updated_at: now }).where('id', '=', id).where('status', '=', 'available').executeTakeFirst();
      if (v.numUpdatedRows === 0n) throw new Conflict(`Invalid volume: Can't revert volume ${id} to its latest snapshot ${latest.id}. Volume's status must be 'available'.`);
      const s = await tx.updateTable('volume_snapshots').set({ status: 'restoring', updated_at: now }).where('id', '=', latest.id).where('status', '=', 'available').executeTakeFirst();
      if (s.numUpdatedRows === 0n) throw new Conflict(`Invalid snapshot: Can't revert volume ${id} to its latest snapshot ${latest.id}. Snapshot's status must be 'available'.`);
    });
    const snapshotBack = () => this.d.db.updateTable('volume_snapshots').set({ status: 'available', updated_at: nowIso() }).where('id', '=', latest.id).execute();
    this.d.worker.run({ volume: id, snapshot: latest.id }, volumeMessage(row, Action.REVERT_TO_SNAPSHOT, Detail.UNKNOWN_ERROR), async () => {
      await this.d.driver.revertToSnapshot(volumeSpec(this.d, row), latest.id);
      await this.setStatus(id, 'available', null);
      await snapshotBack();
    }, async (fault) => {
      await this.setStatus(id, 'error', fault);
      await snapshotBack();
    });
  }

  async setBootable(ctx: AuthContext, id: string, bootable: boolean): Promise<void> {
    const row = await this.visibleRow(ctx, id);
    enforce(this.d, ctx, 'volume_extension:volume_actions:set_bootable', { project_id: row.project_id });
    await this.d.db.updateTable('volumes').set({ bootable: bootable ? 1 : 0, updated_at: nowIso() }).where('id', '=', id).execute();
  }

  async resetStatus(ctx: AuthContext, id: string, status: string): Promise<void> {
    const row = await this.visibleRow(ctx, id);
    enforce(this.d, ctx, 'volume_extension:volume_admin_actions:reset_status', { project_id: row.project_id });
    await this.d.db.updateTable('volumes').set({ status, updated_at: nowIso() }).where('id', '=', id).execute();
  }

  async metadata(ctx: AuthContext, id: string): Promise<Record<string, string>> {
    const row = await this.visibleRow(ctx, id);
    enforce(this.d, ctx, 'volume:get_volume_metadata', { project_id: row.project_id });
    return parseMap(row.metadata);
  }

  /** Applies `change` to the metadata and stores the result. */
  async changeMetadata(ctx: AuthContext, id: string, change: (m: Record<string, string>) => Record<string, string>, action = 'volume:update_volume_metadata'): Promise<Record<string, string>> {
    const row = await this.visibleRow(ctx, id);
    enforce(this.d, ctx, action, { project_id: row.project_id });
    if (row.status === 'deleting') throw new BadRequest(`Invalid volume: Volume ${id} is being deleted.`);
    const next = change(parseMap(row.metadata));
    await this.d.db.updateTable('volumes').set({ metadata: JSON.stringify(next), updated_at: nowIso() }).where('id', '=', id).execute();
    return next;
  }

  /** What the volume keeps of its image, for `os-show_image_metadata`. */
  async imageMetadata(ctx: AuthContext, id: string): Promise<Record<string, string>> {
    const row = await this.visibleRow(ctx, id);
    enforce(this.d, ctx, 'volume_extension:volume_image_metadata:show', { project_id: row.project_id });
    return row.image_metadata === null ? {} : parseMap(row.image_metadata);
  }

  /** Applies `change` to the image metadata (`os-set_image_metadata`, `os-unset_image_metadata`). */
  async changeImageMetadata(ctx: AuthContext, id: string, action: 'set' | 'remove', change: (m: Record<string, string>) => Record<string, string>): Promise<Record<string, string>> {
    const row = await this.visibleRow(ctx, id);
    enforce(this.d, ctx, `volume_extension:volume_image_metadata:${action}`, { project_id: row.project_id });
    const next = change(row.image_metadata === null ? {} : parseMap(row.image_metadata));
    await this.d.db.updateTable('volumes').set({ image_metadata: JSON.stringify(next), updated_at: nowIso() }).where('id', '=', id).execute();
    return next;
  }

  /** The controller half of create: make the data, then mark the volume available. */
  private async build(row: VolumeTable, source: Source): Promise<void> {
    const spec = volumeSpec(this.d, row);
    const done: Partial<VolumeTable> = { status: 'available', fault: null };
    if (source.kind === 'snapshot') await this.d.driver.createFromSnapshot(spec, source.id);
    else if (source.kind === 'volume') await this.d.driver.clone(spec, source.id, volumeSpec(this.d, (await this.row(source.id))!));
    else if (source.kind === 'image') {
      await this.d.db.updateTable('volumes').set({ status: 'downloading', updated_at: nowIso() }).where('id', '=', row.id).where('status', '=', 'creating').execute();
      await this.d.driver.importImage(spec, await this.d.images.openData(source.ctx, source.image.id), source.image.disk_format);
      Object.assign(done, { bootable: 1, image_metadata: JSON.stringify(volumeImageMetadata(source.image)) });
    } else await this.d.driver.create(spec);
    if (source.kind === 'backup') await restoreBackupData(this.d, source.id, row);
    await this.d.db.updateTable('volumes').set({ ...done, updated_at: nowIso() }).where('id', '=', row.id).where('status', 'in', ['creating', 'downloading']).execute();
  }

  /**
   * The one image `ref` names for the caller, as Cinder's `_image_uuid_from_ref` finds it: by id
   * (a Nova-style URL ends in it), else by name; an image the caller may not see does not exist.
   */
  private async findImage(ctx: AuthContext, ref: string): Promise<ImageDescription & { disk_format: string }> {
    const found = await this.d.images.lookup(ctx, ref.split('/').pop()!);
    if (found.length > 1) throw new Conflict(`Multiple matches found for '${ref}', use an ID to be more specific.`);
    const image = found[0];
    if (!image) throw new BadRequest('Invalid image identifier or unable to access requested image.');
    if (image.status !== 'active' || image.disk_format === null) throw new BadRequest(`Invalid input received: Image ${image.id} is not active.`);
    return { ...image, disk_format: image.disk_format };
  }

  async setStatus(id: string, status: string, fault: string | null): Promise<void> {
    await this.d.db.updateTable('volumes').set({ status, fault, updated_at: nowIso() }).where('id', '=', id).execute();
  }
}

/** Cinder's `_check_image_metadata` and `check_virtual_size`, in its order and words. */
function checkImageFits(image: ImageDescription, size: number): void {
  const dataGiB = Math.ceil((image.size ?? 0) / GiB);
  if (dataGiB > size) throw new BadRequest(`Invalid input received: Size of specified image ${dataGiB}GB is larger than volume size ${size}GB.`);
  if (size < image.min_disk) throw new BadRequest(`Invalid input received: Volume size ${size}GB cannot be smaller than the image minDisk size ${image.min_disk}GB.`);
  const virtualGiB = Math.ceil((image.virtual_size ?? 0) / GiB);
  if (virtualGiB > size) throw new ImageUnacceptable(image.id, `Image virtual size is ${virtualGiB}GB and doesn't fit in a volume of size ${size}GB.`);
}

function volumeMessage(v: VolumeTable, action: MessageSpec['action'], detail: MessageSpec['detail']): MessageSpec {
  return { projectId: v.project_id, resourceType: 'VOLUME', resourceUuid: v.id, action, detail };
}
