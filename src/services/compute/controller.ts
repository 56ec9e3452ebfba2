import type { Selectable } from 'kysely';
import { projectContext, type AuthContext } from '../../platform/auth.ts';
import { WorkQueue } from '../../platform/reconcile.ts';
import { json, now, SHUTDOWN_TIMEOUT_S, type ComputeDeps } from './deps.ts';
import type { ComputeDriver, HostInfo, InstanceSpec, PowerState, RootDisk, VolumeDisk } from './driver.ts';
import type { ActionRecorder } from './instance-actions.ts';
import { configDriveFiles } from './metadata.ts';
import { runLongTask } from './server-tasks.ts';
import type { ImagePeer, NetworkPeer, NetworkRequest, PlacementPeer, VolumePeer } from './peers.ts';
import { POWER, type EmbeddedFlavor } from './server-model.ts';
import { deviceName, type BlockDevice, type ComputeWork } from './servers.ts';
import type { InstanceTable } from './tables.ts';

type Row = Selectable<InstanceTable>;

export interface Peers {
  network: NetworkPeer;
  images: ImagePeer;
  volumes: VolumePeer;
  placement: PlacementPeer;
}

/**
 * Nova's compute manager as a Kubernetes-style controller: the API writes a server's desired
 * state as `task_state` (`scheduling`, `deleting`, `powering-off`, ...) and enqueues its id; this
 * worker reads the row fresh, does the driver work and writes the outcome. A failed build leaves
 * the server in ERROR with a fault and releases what it claimed; every other failed action
 * clears the task and records a fault, so nothing stays in a task forever. Each task's work is
 * an event of the instance action that asked for it, failed when the fault is recorded.
 */
export class Controller implements ComputeWork {
  private readonly queue: WorkQueue;
  private providerId = '';

  constructor(readonly d: ComputeDeps, readonly driver: ComputeDriver, readonly peers: Peers, private readonly host: string, private readonly actions: ActionRecorder) {
    this.queue = new WorkQueue((id) => this.reconcile(id), {
      concurrency: 2,
      onError: (id, err, attempt) => d.log.warn({ err, serverId: id, attempt }, 'server not yet converged; retrying'),
    });
  }

  enqueue(serverId: string): void {
    this.queue.add(serverId);
  }

  /** Registers the compute node with placement (as its provider), then reconciles every server and stray instance. */
  async start(node: { uuid: string; info: HostInfo }): Promise<void> {
    const { info } = node;
    this.providerId = node.uuid;
    await this.peers.placement.ensureHost(this.host, node.uuid, info.vcpus, info.memoryMiB, info.diskGiB);
    const ids = new Set([...(await this.d.db.selectFrom('instances').select('id').execute()).map((r) => r.id), ...(await this.driver.inventory())]);
    for (const id of ids) this.enqueue(id);
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  stop(): void {
    this.queue.stop();
  }

  private async reconcile(id: string): Promise<void> {
    const row = await this.d.db.selectFrom('instances').selectAll().where('id', '=', id).executeTakeFirst();
    // Something on the host the database does not know: an orphan of a crash mid-delete.
    if (!row) return this.driver.destroy(id);
    if (row.task_state === 'deleting') return this.teardown(row);
    if (row.vm_state === 'building') return this.build(row);
    const task = row.task_state;
    if (task !== null) await this.actions.taskStarted(id, task);
    try {
      await this.act(row);
    } catch (err) {
      return this.fault(row, task, err, { task_state: null });
    }
    if (task !== null) await this.actions.taskFinished(id, task, undefined);
  }

  /** The action `task_state` asks for on a built server, or, with none, making the host agree with the row. */
  private async act(row: Row): Promise<void> {
    const id = row.id;
    const settle = (vm_state: string, power: PowerState) => this.save(id, { vm_state, task_state: null, power_state: POWER[power] });
    switch (row.task_state) {
      case 'powering-off':
        await this.driver.powerOff(id, SHUTDOWN_TIMEOUT_S);
        return settle('stopped', 'shutdown');
      case 'powering-on':
        await this.driver.powerOn(await this.spec(row));
        return settle('active', 'running');
      case 'rebooting':
      case 'rebooting_hard':
        await this.driver.reboot(await this.spec(row), row.task_state === 'rebooting_hard');
        return settle('active', 'running');
      case 'pausing':
        await this.driver.pause(id);
        return settle('paused', 'paused');
      case 'unpausing':
        await this.driver.unpause(id);
        return settle('active', 'running');
      case 'suspending':
        await this.driver.suspend(id);
        return settle('suspended', 'suspended');
      case 'resuming':
        await this.driver.resume(await this.spec(row));
        return settle('active', 'running');
      case null:
        return this.converge(row);
      default:
        return runLongTask(this, row);
    }
  }

  /** After a restart: a server meant to run runs, one meant to be off is off; the power state is what the host says. */
  private async converge(row: Row): Promise<void> {
    const state = await this.driver.powerState(row.id);
    if (row.vm_state === 'active' && state !== 'running' && state !== 'paused') {
      await this.driver.powerOn(await this.spec(row));
      return this.save(row.id, { power_state: POWER.running });
    }
    if (row.vm_state === 'stopped' && (state === 'running' || state === 'paused')) await this.driver.powerOff(row.id, SHUTDOWN_TIMEOUT_S);
    const now = await this.driver.powerState(row.id);
    if (POWER[now] !== row.power_state) await this.save(row.id, { power_state: POWER[now] });
  }

  private async build(row: Row): Promise<void> {
    const ctx = this.serviceContext(row);
    const flavor = json<EmbeddedFlavor>(row.flavor);
    await this.actions.taskStarted(row.id, 'building');
    try {
      if (row.task_state === 'scheduling') {
        await this.schedule(row, flavor);
        await this.save(row.id, { task_state: 'networking', host: this.host });
      }
      if ((await this.current(row.id))?.task_state === 'networking') {
        if ((await this.peers.network.nics(row.id)).length === 0) {
          await this.peers.network.allocate(ctx, row.id, this.host, json<NetworkRequest[] | 'auto' | 'none'>(row.requested_networks), json<string[]>(row.security_groups));
        }
        await this.save(row.id, { task_state: 'block_device_mapping' });
      }
      if ((await this.current(row.id))?.task_state === 'block_device_mapping') {
        await this.mapVolumes(ctx, row);
        await this.save(row.id, { task_state: 'spawning' });
      }
      const fresh = await this.current(row.id);
      if (!fresh || fresh.task_state === 'deleting') return this.enqueue(row.id);
      await this.driver.spawn(await this.spec(fresh));
      await this.save(row.id, { vm_state: 'active', task_state: null, power_state: POWER.running, launched_at: now() });
      await this.actions.taskFinished(row.id, 'building', undefined);
    } catch (err) {
      const fresh = await this.current(row.id);
      if (!fresh || fresh.task_state === 'deleting') return this.enqueue(row.id);
      await this.driver.destroy(row.id).catch(() => {});
      await this.peers.placement.release(row.id).catch(() => {});
      await this.fault(fresh, 'building', err, { vm_state: 'error', task_state: null, power_state: POWER.nostate });
    }
  }

  /** Placement claim on this host; server groups with anti-affinity allow one member per host. */
  private async schedule(row: Row, flavor: EmbeddedFlavor): Promise<void> {
    if (row.server_group_id) {
      const group = await this.d.db.selectFrom('server_groups').select('policy').where('id', '=', row.server_group_id).executeTakeFirst();
      if (group?.policy === 'anti-affinity') {
        const other = await this.d.db.selectFrom('instances').select('id').where('server_group_id', '=', row.server_group_id)
          .where('host', '=', this.host).where('id', '!=', row.id).executeTakeFirst();
        if (other) throw noValidHost('anti-affinity: every host already runs a member of the server group');
      }
    }
    const disk = flavor.disk > 0 ? flavor.disk : await this.imageDiskGiB(row);
    try {
      await this.peers.placement.claim(row.id, this.providerId, { VCPU: flavor.vcpus, MEMORY_MB: flavor.ram, DISK_GB: row.image_id === '' ? 0 : disk }, row.project_id, row.user_id);
    } catch (err) {
      throw noValidHost(err instanceof Error ? err.message : String(err));
    }
  }

  /** Creates the volumes asked for from images (or blank), then attaches every volume of the server. */
  private async mapVolumes(ctx: AuthContext, row: Row): Promise<void> {
    const wanted = json<BlockDevice[]>(row.requested_volumes);
    if (wanted.length > 0) {
      for (const [i, b] of wanted.entries()) {
        const volumeId = await this.peers.volumes.create(ctx, b.volumeSize ?? 1, b.sourceType === 'image' ? b.uuid! : null, `${row.name}-${i}`);
        await this.d.db.insertInto('block_device_mappings').values({
          instance_id: row.id, volume_id: volumeId, attachment_id: null, device_name: deviceName(b.bootIndex === 0 ? 0 : 10 + i), boot_index: b.bootIndex,
          delete_on_termination: b.deleteOnTermination ? 1 : 0, tag: b.tag ?? null, created_at: now(),
        }).execute();
      }
      await this.save(row.id, { requested_volumes: '[]' });
    }
    const bdms = await this.d.db.selectFrom('block_device_mappings').selectAll().where('instance_id', '=', row.id).orderBy('created_at').execute();
    let next = 1;
    for (const b of bdms) {
      if (b.attachment_id !== null) continue;
      const name = b.boot_index === 0 ? deviceName(0) : deviceName(next++);
      const { attachmentId } = await this.peers.volumes.attach(ctx, b.volume_id, row.id, this.host, name);
      await this.d.db.updateTable('block_device_mappings').set({ attachment_id: attachmentId, device_name: name }).where('instance_id', '=', row.id).where('volume_id', '=', b.volume_id).execute();
    }
  }

  /** Everything the driver needs to run the server as the database describes it now. */
  async spec(row: Row): Promise<InstanceSpec> {
    const ctx = this.serviceContext(row);
    const flavor = json<EmbeddedFlavor>(row.flavor);
    const bdms = await this.d.db.selectFrom('block_device_mappings').selectAll().where('instance_id', '=', row.id).orderBy('created_at').execute();
    const disks: VolumeDisk[] = [];
    for (const b of bdms) if (b.attachment_id) disks.push(await this.peers.volumes.disk(b.attachment_id, b.volume_id, b.device_name));
    const bootDisk = disks.find((_, i) => bdms[i]!.boot_index === 0);
    let root: RootDisk;
    if (bootDisk) {
      root = { kind: 'volume', ...bootDisk };
    } else {
      const copy = await this.peers.images.localCopy(ctx, row.image_id);
      root = { kind: 'image', imageId: row.image_id, imagePath: copy.path, imageFormat: copy.format, sizeGiB: flavor.disk > 0 ? flavor.disk : await this.imageDiskGiB(row) };
    }
    return {
      id: row.id, name: row.name, vcpus: flavor.vcpus, memoryMiB: flavor.ram, root,
      volumes: disks.filter((v) => v !== bootDisk), nics: await this.peers.network.nics(row.id),
      configDrive: row.config_drive === 1 ? configDriveFiles(row, await this.peers.network.networkData(row.id)) : null,
    };
  }

  /** SCS flavors without a disk size boot with the image's own size (Nova's `disk: 0`). */
  private async imageDiskGiB(row: Row): Promise<number> {
    if (row.image_id === '') return 0;
    const image = await this.peers.images.get(this.serviceContext(row), row.image_id);
    return Math.max(1, image.minDisk, Math.ceil(image.size / 2 ** 30));
  }

  /** Delete: the guest, its ports, its volumes' attachments (and volumes marked so), its claim, its row. */
  private async teardown(row: Row): Promise<void> {
    await this.driver.destroy(row.id);
    await this.peers.network.release(row.id);
    const bdms = await this.d.db.selectFrom('block_device_mappings').selectAll().where('instance_id', '=', row.id).execute();
    for (const b of bdms) {
      if (b.attachment_id) await this.peers.volumes.detach(b.attachment_id);
      if (b.delete_on_termination === 1) await this.peers.volumes.delete(b.volume_id);
      await this.d.db.deleteFrom('block_device_mappings').where('instance_id', '=', row.id).where('volume_id', '=', b.volume_id).execute();
    }
    await this.peers.placement.release(row.id);
    await this.actions.forget(row.id);
    await this.d.db.deleteFrom('instances').where('id', '=', row.id).execute();
  }

  /** Records the failure of `task` (a task_state or `building`) as the server's fault and its action's failed event. */
  private async fault(row: Row, task: string | null, err: unknown, set: Partial<InstanceTable>): Promise<void> {
    const message = err instanceof Error ? err.message : String(err);
    this.d.log.error({ err, serverId: row.id }, 'server operation failed');
    const fault = { code: 500, message: message.slice(0, 255), details: message, created: now() };
    await this.save(row.id, { ...set, fault: JSON.stringify(fault) });
    if (task !== null) await this.actions.taskFinished(row.id, task, err);
  }

  private current(id: string): Promise<Row | undefined> {
    return this.d.db.selectFrom('instances').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async save(id: string, set: Partial<InstanceTable>): Promise<void> {
    await this.d.db.updateTable('instances').set({ ...set, updated_at: now() }).where('id', '=', id).execute();
  }

  /** Compute acting inside the server's project, as Nova's elevated context does towards Neutron and Cinder. */
  serviceContext(row: Pick<InstanceTable, 'project_id'>): AuthContext {
    return projectContext(row.project_id, ['admin', 'member', 'reader'], 'sovcloud-compute');
  }
}

function noValidHost(reason: string): Error {
  const e = new Error(`No valid host was found. ${reason}`);
  e.name = 'NoValidHost';
  return e;
}
