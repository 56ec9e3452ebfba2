import type { Selectable } from 'kysely';
import type { AuthContext } from '../../platform/auth.ts';
import type { Db } from '../../platform/db/index.ts';
import { conflict, enforce, isAdmin, json, now, badRequest, type ComputeContext, type ComputeDeps } from './deps.ts';
import type { ComputeDriver } from './driver.ts';
import type { ActionRecorder } from './instance-actions.ts';
import type { ImagePeer, InterfaceAttachment, NetworkPeer, NetworkRequest, VolumePeer } from './peers.ts';
import type { Quotas } from './quotas.ts';
import type { EmbeddedFlavor } from './server-model.ts';
import { deviceName, type ComputeWork, type Servers } from './servers.ts';
import type { InstanceTable } from './tables.ts';

type Row = Selectable<InstanceTable>;

/**
 * `vm_state`s each action accepts and the task it starts, as Nova's `check_instance_state`
 * decorators say, and the name its instance action has.
 */
const ACTIONS: Record<string, { from: string[]; task: string; policy: string; action: string }> = {
  'os-stop': { from: ['active', 'error'], task: 'powering-off', policy: 'servers:stop', action: 'stop' },
  'os-start': { from: ['stopped'], task: 'powering-on', policy: 'servers:start', action: 'start' },
  pause: { from: ['active'], task: 'pausing', policy: 'os-pause-server:pause', action: 'pause' },
  unpause: { from: ['paused'], task: 'unpausing', policy: 'os-pause-server:unpause', action: 'unpause' },
  suspend: { from: ['active'], task: 'suspending', policy: 'os-suspend-server:suspend', action: 'suspend' },
  resume: { from: ['suspended'], task: 'resuming', policy: 'os-suspend-server:resume', action: 'resume' },
};

/** Server actions and sub-resources that change a server: state guards here, host work in the controller. */
export class ServerActions {
  constructor(
    private readonly d: ComputeDeps,
    private readonly servers: Servers,
    private readonly quotas: Quotas,
    private readonly work: ComputeWork,
    private readonly driver: ComputeDriver,
    private readonly peers: { network: NetworkPeer; images: ImagePeer; volumes: VolumePeer },
    private readonly host: string,
    private readonly actions: ActionRecorder,
  ) {}

  /** The simple power actions: one guard, one task, the controller does the rest. */
  async simple(ctx: ComputeContext, id: string, action: keyof typeof ACTIONS): Promise<void> {
    const spec = ACTIONS[action]!;
    const row = await this.guard(ctx, id, spec.policy, action, spec.from);
    await this.begin(ctx, row, spec.task, spec.action);
  }

  async reboot(ctx: ComputeContext, id: string, type: string): Promise<void> {
    if (type !== 'SOFT' && type !== 'HARD') throw badRequest(`Invalid input for field/attribute type. Value: ${type}. '${type}' is not one of ['HARD', 'Hard', 'hard', 'SOFT', 'Soft', 'soft']`);
    const hard = type === 'HARD';
    const row = await this.guard(ctx, id, 'servers:reboot', 'reboot', hard ? ['active', 'stopped', 'paused', 'suspended', 'error'] : ['active'], hard ? [null, 'rebooting', 'rebooting_hard'] : [null]);
    await this.begin(ctx, row, hard ? 'rebooting_hard' : 'rebooting', 'reboot', { allowRunning: true });
  }

  async lock(ctx: ComputeContext, id: string, reason: string | null): Promise<void> {
    const row = await this.servers.row(ctx, id);
    enforce(this.d, ctx, 'os_compute_api:os-lock-server:lock', { project_id: row.project_id });
    await this.d.db.transaction().execute(async (tx) => {
      await tx.updateTable('instances').set({ locked_by: isAdmin(this.d, ctx) && row.project_id !== ctx.credentials.project_id ? 'admin' : 'owner', locked_reason: reason, updated_at: now() }).where('id', '=', id).execute();
      await this.actions.start(ctx, id, 'lock', tx);
    });
  }

  async unlock(ctx: ComputeContext, id: string): Promise<void> {
    const row = await this.servers.row(ctx, id);
    enforce(this.d, ctx, 'os_compute_api:os-lock-server:unlock', { project_id: row.project_id });
    if (row.locked_by === 'admin' && !isAdmin(this.d, ctx)) enforce(this.d, ctx, 'os_compute_api:os-lock-server:unlock:unlock_override', { project_id: row.project_id });
    await this.d.db.transaction().execute(async (tx) => {
      await tx.updateTable('instances').set({ locked_by: null, locked_reason: null, updated_at: now() }).where('id', '=', id).execute();
      await this.actions.start(ctx, id, 'unlock', tx);
    });
  }

  async consoleOutput(ctx: AuthContext, id: string, lines: number | null): Promise<string> {
    const row = await this.servers.row(ctx, id);
    enforce(this.d, ctx, 'os_compute_api:os-console-output', { project_id: row.project_id });
    if (row.vm_state === 'building') throw conflict(`Instance ${id} has not been started yet; it has no console output.`);
    const text = await this.driver.consoleLog(id);
    if (lines === null) return text;
    const all = text.split('\n');
    if (all.at(-1) === '') all.pop();
    return all.slice(-lines).join('\n');
  }

  /** createImage: reserves the image now (its id is the answer) and snapshots in the background. */
  async createImage(ctx: ComputeContext, id: string, name: string, metadata: Record<string, string>): Promise<string> {
    const row = await this.guard(ctx, id, 'servers:create_image', 'createImage', ['active', 'stopped', 'paused', 'suspended']);
    const base = row.image_id === '' ? {} : await this.peers.images.get(ctx, row.image_id).then((i) => i.properties, () => ({}));
    // Nova copies the base image's properties (not Glance's own) and records where the snapshot came from.
    const inherited = Object.fromEntries(Object.entries(base).filter(([k, v]) => typeof v === 'string' && !k.startsWith('os_hash') && k !== 'stores'));
    const imageId = await this.peers.images.reserve(ctx, name, { ...inherited as Record<string, string>, ...metadata, image_type: 'snapshot', instance_uuid: id, base_image_ref: row.image_id, owner_user_name: ctx.user.name });
    await this.begin(ctx, row, 'image_snapshot', 'createImage', { set: { snapshot_image_id: imageId } });
    return imageId;
  }

  async resize(ctx: ComputeContext, id: string, flavorRef: string): Promise<void> {
    const row = await this.guard(ctx, id, 'servers:resize', 'resize', ['active', 'stopped']);
    const current = json<EmbeddedFlavor>(row.flavor);
    const target = await this.d.db.selectFrom('flavors').selectAll().where('id', '=', flavorRef.split('/').at(-1)!).executeTakeFirst();
    if (!target) throw badRequest(`Flavor ${flavorRef} could not be found.`);
    if (target.id === current.id) throw badRequest('When resizing, instances must change flavor!');
    if (target.disk > 0 && target.disk < current.disk) throw badRequest('Resize error: Unable to resize disk down.');
    const next: EmbeddedFlavor = { id: target.id, original_name: target.name, vcpus: target.vcpus, ram: target.ram, disk: target.disk, ephemeral: target.ephemeral, swap: target.swap, extra_specs: json(target.extra_specs) };
    await this.begin(ctx, row, 'resize_prep', 'resize', {
      set: { old_flavor: row.flavor, flavor: JSON.stringify(next) },
      before: (tx) => this.quotas.check(tx, row.project_id, { cores: Math.max(0, next.vcpus - current.vcpus), ram: Math.max(0, next.ram - current.ram) }),
    });
  }

  /** Nothing is left to undo on this single host, so confirming is done within the request. */
  async confirmResize(ctx: ComputeContext, id: string): Promise<void> {
    const row = await this.guard(ctx, id, 'servers:confirm_resize', 'confirmResize', ['resized']);
    await this.actions.during(ctx, id, 'confirmResize', 'compute_confirm_resize', async () => {
      await this.d.db.updateTable('instances').set({ vm_state: row.power_state === 4 ? 'stopped' : 'active', old_flavor: null, updated_at: now() }).where('id', '=', id).execute();
    });
  }

  async revertResize(ctx: ComputeContext, id: string): Promise<void> {
    const row = await this.guard(ctx, id, 'servers:revert_resize', 'revertResize', ['resized']);
    await this.begin(ctx, row, 'resize_reverting', 'revertResize');
  }

  async rebuild(ctx: ComputeContext, id: string, o: { imageRef: string; name?: string; metadata?: Record<string, string>; userData?: string | null; keyName?: string | null; description?: string | null }): Promise<void> {
    const row = await this.guard(ctx, id, 'servers:rebuild', 'rebuild', ['active', 'stopped', 'error']);
    if (row.image_id === '') throw badRequest('Rebuild of a server booted from a volume is not supported.');
    const image = await this.peers.images.get(ctx, o.imageRef).catch(() => { throw badRequest(`Image ${o.imageRef} could not be found.`); });
    const set: Partial<InstanceTable> = { image_id: image.id };
    if (o.name !== undefined) set.name = o.name;
    if (o.metadata !== undefined) set.metadata = JSON.stringify(o.metadata);
    if (o.userData !== undefined) set.user_data = o.userData;
    if (o.description !== undefined) set.description = o.description;
    if (o.keyName !== undefined) {
      const key = o.keyName === null ? undefined : await this.d.db.selectFrom('keypairs').select('public_key').where('user_id', '=', ctx.user.id).where('name', '=', o.keyName).executeTakeFirst();
      if (o.keyName !== null && !key) throw badRequest('Invalid key_name provided.');
      set.key_name = o.keyName;
      set.key_data = key?.public_key ?? null;
    }
    await this.begin(ctx, row, 'rebuilding', 'rebuild', { set });
  }

  /** `os-volume_attachments` POST: attached (hot-plugged when running) before the answer. */
  async attachVolume(ctx: ComputeContext, id: string, volumeId: string, tag: string | null): Promise<{ id: string; device: string }> {
    const row = await this.guard(ctx, id, 'os-volumes-attachments:create', 'attach_volume', ['active', 'stopped', 'paused']);
    const existing = await this.d.db.selectFrom('block_device_mappings').select('volume_id').where('instance_id', '=', id).execute();
    if (existing.some((b) => b.volume_id === volumeId)) throw badRequest(`Invalid volume: volume ${volumeId} is already attached to instance ${id}`);
    const device = deviceName(existing.length + (row.image_id === '' ? 0 : 1));
    const { attachmentId, disk } = await this.peers.volumes.attach(ctx, volumeId, id, this.host, device);
    await this.actions.during(ctx, id, 'attach_volume', 'compute_attach_volume', async () => {
      await this.d.db.insertInto('block_device_mappings').values({ instance_id: id, volume_id: volumeId, attachment_id: attachmentId, device_name: device, boot_index: null, delete_on_termination: 0, tag, created_at: now() }).execute();
      if (row.vm_state === 'active' || row.vm_state === 'paused') await this.driver.attachVolume(id, disk);
    });
    return { id: volumeId, device };
  }

  async detachVolume(ctx: ComputeContext, id: string, volumeId: string): Promise<void> {
    const row = await this.guard(ctx, id, 'os-volumes-attachments:delete', 'detach_volume', ['active', 'stopped', 'paused', 'error']);
    const bdm = await this.d.db.selectFrom('block_device_mappings').selectAll().where('instance_id', '=', id).where('volume_id', '=', volumeId).executeTakeFirst();
    if (!bdm) throw badRequest(`Volume ${volumeId} is not attached to instance ${id}.`);
    if (bdm.boot_index === 0) throw badRequest(`Cannot detach a root device volume`);
    await this.actions.during(ctx, id, 'detach_volume', 'compute_detach_volume', async () => {
      if (row.vm_state === 'active' || row.vm_state === 'paused') await this.driver.detachVolume(id, volumeId);
      if (bdm.attachment_id) await this.peers.volumes.detach(bdm.attachment_id);
      await this.d.db.deleteFrom('block_device_mappings').where('instance_id', '=', id).where('volume_id', '=', volumeId).execute();
    });
  }

  async attachInterface(ctx: ComputeContext, id: string, request: NetworkRequest): Promise<InterfaceAttachment> {
    const row = await this.guard(ctx, id, 'os-attach-interfaces:create', 'attach_interface', ['active', 'stopped', 'paused']);
    const nic = await this.actions.during(ctx, id, 'attach_interface', 'compute_attach_interface', async () => {
      const plugged = await this.peers.network.attachInterface(ctx, id, this.host, request);
      if (row.vm_state !== 'stopped') {
        try {
          await this.driver.attachInterface(id, plugged);
        } catch (err) {
          await this.peers.network.detachInterface(id, plugged.portId);
          throw err;
        }
      }
      return plugged;
    });
    return (await this.peers.network.interfaces(id)).find((i) => i.portId === nic.portId)!;
  }

  async detachInterface(ctx: ComputeContext, id: string, portId: string): Promise<void> {
    const row = await this.guard(ctx, id, 'os-attach-interfaces:delete', 'detach_interface', ['active', 'stopped', 'paused']);
    if (!(await this.peers.network.interfaces(id)).some((i) => i.portId === portId)) throw badRequest(`Port ${portId} is not attached`);
    await this.actions.during(ctx, id, 'detach_interface', 'compute_detach_interface', async () => {
      if (row.vm_state !== 'stopped') await this.driver.detachInterface(id, portId);
      await this.peers.network.detachInterface(id, portId);
    });
  }

  /**
   * Nova's `check_instance_state` and `check_instance_lock`: the server must be in one of `from`
   * with no task running (or one of `tasks`), else 409 with Nova's wording.
   */
  async guard(ctx: AuthContext, id: string, policy: string, action: string, from: string[], tasks: (string | null)[] = [null]): Promise<Row> {
    const row = await this.servers.row(ctx, id);
    enforce(this.d, ctx, `os_compute_api:${policy}`, { project_id: row.project_id });
    this.servers.checkLock(ctx, row);
    if (!from.includes(row.vm_state)) throw conflict(`Cannot '${action}' instance ${id} while it is in vm_state ${row.vm_state}`);
    if (!tasks.includes(row.task_state)) throw conflict(`Cannot '${action}' instance ${id} while it is in task_state ${row.task_state}`);
    return row;
  }

  /**
   * Starts a task by compare-and-set, so two racing requests cannot both start one, writing `set`
   * with it and recording the action in the same transaction (after `before`, e.g. a quota
   * check); then the controller does the work.
   */
  private async begin(ctx: ComputeContext, row: Row, task: string, action: string,
    o: { set?: Partial<InstanceTable>; allowRunning?: boolean; before?: (tx: Db) => Promise<void> } = {}): Promise<void> {
    await this.d.db.transaction().execute(async (tx) => {
      await o.before?.(tx);
      let q = tx.updateTable('instances').set({ ...o.set, task_state: task, updated_at: now() }).where('id', '=', row.id);
      q = o.allowRunning && row.task_state !== null ? q.where('task_state', '=', row.task_state) : q.where('task_state', 'is', null);
      const r = await q.executeTakeFirst();
      if (r.numUpdatedRows === 0n) throw conflict(`Cannot act on instance ${row.id} while it is in task_state ${row.task_state}`);
      await this.actions.start(ctx, row.id, action, tx);
    });
    this.work.enqueue(row.id);
  }
}
