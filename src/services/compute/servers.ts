import type { Insertable, Selectable } from 'kysely';
import type { AuthContext } from '../../platform/auth.ts';
import type { Db } from '../../platform/db/index.ts';
import { uuid } from '../../platform/ids.ts';
import { AVAILABILITY_ZONE, badRequest, callerProject, conflict, enforce, flag, isAdmin, json, notFound, now, type ComputeContext, type ComputeDeps } from './deps.ts';
import type { ActionRecorder } from './instance-actions.ts';
import type { ImagePeer, NetworkPeer, NetworkRequest, VolumePeer } from './peers.ts';
import type { Quotas } from './quotas.ts';
import { serverStatus, type EmbeddedFlavor, type Fault, type Server } from './server-model.ts';
import type { BlockDeviceMappingTable, InstanceTable } from './tables.ts';

/** What `POST /servers` asks for, after the HTTP layer has parsed the body. */
export interface ServerCreate {
  name: string;
  imageRef: string;
  flavorRef: string;
  networks: NetworkRequest[] | 'auto' | 'none';
  securityGroups: string[];
  keyName?: string;
  userData?: string;
  metadata: Record<string, string>;
  availabilityZone?: string;
  minCount: number;
  maxCount: number;
  configDrive: boolean;
  description?: string | null;
  tags: string[];
  accessIPv4?: string;
  accessIPv6?: string;
  blockDevices: BlockDevice[];
  serverGroupId?: string;
}

/** One `block_device_mapping_v2` entry we support: volumes, existing or made from an image. */
export interface BlockDevice {
  sourceType: 'image' | 'volume' | 'blank';
  uuid?: string;
  bootIndex: number | null;
  volumeSize?: number;
  deleteOnTermination: boolean;
  tag?: string;
}

export interface ServerFilters {
  name?: string;
  status?: string;
  image?: string;
  flavor?: string;
  host?: string;
  ip?: string;
  changesSince?: string;
  allTenants?: boolean;
  projectId?: string;
  tags?: string[];
  tagsAny?: string[];
  notTags?: string[];
  notTagsAny?: string[];
}

/** Work the controller does after the API has answered (Nova's compute manager casts). */
export interface ComputeWork {
  enqueue(serverId: string): void;
}

export const serverNotFound = (id: string) => notFound(`Instance ${id} could not be found.`);

/**
 * Nova's compute API (`nova/compute/api.py`): the cheap part of every server request — policy,
 * state guards, quota, and the desired state written with a task state in one transaction —
 * leaving the driver work to the controller.
 */
export class Servers {
  constructor(
    private readonly d: ComputeDeps,
    private readonly quotas: Quotas,
    private readonly work: ComputeWork,
    private readonly peers: { network: NetworkPeer; images: ImagePeer; volumes: VolumePeer },
    private readonly actions: ActionRecorder,
  ) {}

  async row(ctx: AuthContext, id: string, db: Db = this.d.db): Promise<Selectable<InstanceTable>> {
    const row = await db.selectFrom('instances').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row || (row.project_id !== callerProject(ctx) && !isAdmin(this.d, ctx))) throw serverNotFound(id);
    return row;
  }

  async get(ctx: AuthContext, id: string): Promise<Server> {
    const row = await this.row(ctx, id);
    enforce(this.d, ctx, 'os_compute_api:servers:show', { project_id: row.project_id });
    return (await this.load([row]))[0]!;
  }

  async list(ctx: AuthContext, f: ServerFilters, detail: boolean): Promise<Server[]> {
    enforce(this.d, ctx, `os_compute_api:servers:${detail ? 'detail' : 'index'}`, { project_id: callerProject(ctx) });
    let q = this.d.db.selectFrom('instances').selectAll();
    const everyone = f.allTenants === true && isAdmin(this.d, ctx);
    if (!everyone) q = q.where('project_id', '=', callerProject(ctx));
    else if (f.projectId) q = q.where('project_id', '=', f.projectId);
    if (f.image) q = q.where('image_id', '=', f.image);
    if (f.host && isAdmin(this.d, ctx)) q = q.where('host', '=', f.host);
    if (f.changesSince) q = q.where('updated_at', '>=', f.changesSince);
    let rows = await q.execute();
    if (f.name) {
      const re = safeRegex(f.name);
      rows = rows.filter((r) => re.test(r.name));
    }
    if (f.flavor) rows = rows.filter((r) => json<EmbeddedFlavor>(r.flavor).id === f.flavor);
    let servers = await this.load(rows);
    if (f.status) servers = servers.filter((s) => s.status === f.status!.toUpperCase());
    if (f.ip) {
      const re = safeRegex(f.ip);
      servers = servers.filter((s) => s.addresses.some((a) => re.test(a.addr)));
    }
    const has = (s: Server, t: string) => s.tags.includes(t);
    if (f.tags) servers = servers.filter((s) => f.tags!.every((t) => has(s, t)));
    if (f.tagsAny) servers = servers.filter((s) => f.tagsAny!.some((t) => has(s, t)));
    if (f.notTags) servers = servers.filter((s) => !f.notTags!.every((t) => has(s, t)));
    if (f.notTagsAny) servers = servers.filter((s) => !f.notTagsAny!.some((t) => has(s, t)));
    return servers;
  }

  /** Validates, reserves quota and records the servers in BUILD; the controller builds them. */
  async create(ctx: ComputeContext, c: ServerCreate): Promise<Server[]> {
    const project = callerProject(ctx);
    enforce(this.d, ctx, 'os_compute_api:servers:create', { project_id: project });
    if (c.minCount > c.maxCount) throw badRequest('min_count must be <= max_count');
    const flavor = await this.flavor(ctx, c.flavorRef);
    const boot = c.blockDevices.find((b) => b.bootIndex === 0);
    let imageId = c.imageRef;
    if (boot && boot.sourceType === 'volume') imageId = '';
    if (!boot && imageId === '') throw badRequest('Block Device Mapping is Invalid: Boot sequence for the instance and image/block device mapping combination is not valid.');
    if (imageId !== '' && !(boot?.sourceType === 'image' && boot.uuid === imageId && boot.volumeSize)) {
      const image = await this.peers.images.get(ctx, imageId).catch(() => { throw badRequest(`Image ${imageId} could not be found.`); });
      if (image.status !== 'active') throw badRequest(`Image ${imageId} is not active.`);
      if (image.minRam > flavor.ram) throw badRequest("Flavor's memory is too small for requested image.");
      if (flavor.disk > 0 && image.minDisk > flavor.disk) throw badRequest("Flavor's disk is too small for requested image.");
    } else if (imageId !== '') {
      imageId = '';
    }
    for (const b of c.blockDevices) {
      if (b.sourceType === 'volume') await this.peers.volumes.get(ctx, b.uuid!).catch(() => { throw badRequest(`Block Device Mapping is Invalid: failed to get volume ${b.uuid}.`); });
    }
    let keyData: string | null = null;
    if (c.keyName !== undefined) {
      const key = await this.d.db.selectFrom('keypairs').select('public_key').where('user_id', '=', ctx.user.id).where('name', '=', c.keyName).executeTakeFirst();
      if (!key) throw badRequest('Invalid key_name provided.');
      keyData = key.public_key;
    }
    const zone = c.availabilityZone?.split(':')[0];
    if (zone !== undefined && zone !== '' && zone !== AVAILABILITY_ZONE) throw badRequest(`The requested availability zone is not available`);
    if (c.networks !== 'none' && c.networks !== 'auto') {
      for (const n of c.networks) if (!n.networkId && !n.portId) throw badRequest('Bad networks format: network uuid is not in proper format');
      if (c.maxCount > 1 && c.networks.some((n) => n.portId)) throw badRequest('Unable to launch multiple instances with a single configured port ID. Please launch your instance one by one with different ports.');
    }
    if (c.serverGroupId) {
      const g = await this.d.db.selectFrom('server_groups').select('id').where('id', '=', c.serverGroupId).where('project_id', '=', project).executeTakeFirst();
      if (!g) throw badRequest(`Invalid input received: Group ${c.serverGroupId} could not be found.`);
    }
    const reservation = `r-${uuid().slice(0, 8)}`;
    const t = now();
    const rows: Insertable<InstanceTable>[] = [];
    await this.d.db.transaction().execute(async (tx) => {
      await this.quotas.check(tx, project, { instances: c.maxCount, cores: flavor.vcpus * c.maxCount, ram: flavor.ram * c.maxCount });
      for (let i = 0; i < c.maxCount; i++) {
        const name = c.maxCount > 1 ? `${c.name}-${i + 1}` : c.name;
        const row: Insertable<InstanceTable> = {
          id: uuid(), project_id: project, user_id: ctx.user.id, name, hostname: hostnameOf(name), description: c.description ?? null,
          flavor: JSON.stringify(flavor), old_flavor: null, image_id: imageId, key_name: c.keyName ?? null, key_data: keyData,
          user_data: c.userData ?? null, metadata: JSON.stringify(c.metadata), vm_state: 'building', task_state: 'scheduling', power_state: 0,
          host: null, availability_zone: AVAILABILITY_ZONE, config_drive: flag(c.configDrive), locked_by: null, locked_reason: null, fault: null,
          access_ip_v4: c.accessIPv4 ?? null, access_ip_v6: c.accessIPv6 ?? null, requested_networks: JSON.stringify(c.networks),
          // Volumes to be made from an image or blank are created by the controller while it builds.
          requested_volumes: JSON.stringify(c.blockDevices.filter((b) => b.sourceType !== 'volume')),
          security_groups: JSON.stringify(c.securityGroups.length > 0 ? c.securityGroups : ['default']), server_group_id: c.serverGroupId ?? null,
          snapshot_image_id: null,
          reservation_id: reservation, launch_index: i, launched_at: null, created_at: t, updated_at: t,
        };
        await tx.insertInto('instances').values(row).execute();
        if (c.tags.length > 0) await tx.insertInto('instance_tags').values(c.tags.map((tag) => ({ instance_id: row.id, tag }))).execute();
        const bdms: Insertable<BlockDeviceMappingTable>[] = c.blockDevices.filter((b) => b.sourceType === 'volume').map((b, j) => ({
          instance_id: row.id, volume_id: b.uuid!, attachment_id: null, device_name: deviceName(b.bootIndex === 0 ? 0 : j + 1), boot_index: b.bootIndex,
          delete_on_termination: flag(b.deleteOnTermination), tag: b.tag ?? null, created_at: t,
        }));
        if (bdms.length > 0) await tx.insertInto('block_device_mappings').values(bdms).execute();
        await this.actions.start(ctx, row.id!, 'create', tx);
        rows.push(row);
      }
    });
    for (const row of rows) this.work.enqueue(row.id!);
    return this.load(await this.d.db.selectFrom('instances').selectAll().where('reservation_id', '=', reservation).orderBy('launch_index').execute());
  }

  async update(ctx: AuthContext, id: string, patch: { name?: string; description?: string | null; accessIPv4?: string; accessIPv6?: string }): Promise<Server> {
    const row = await this.row(ctx, id);
    enforce(this.d, ctx, 'os_compute_api:servers:update', { project_id: row.project_id });
    const set: Partial<InstanceTable> = { updated_at: now() };
    if (patch.name !== undefined) {
      set.name = patch.name;
      set.hostname = hostnameOf(patch.name);
    }
    if (patch.description !== undefined) set.description = patch.description;
    if (patch.accessIPv4 !== undefined) set.access_ip_v4 = patch.accessIPv4;
    if (patch.accessIPv6 !== undefined) set.access_ip_v6 = patch.accessIPv6;
    await this.d.db.updateTable('instances').set(set).where('id', '=', id).execute();
    return this.get(ctx, id);
  }

  /** Delete always works: whatever the server is doing, it goes to `deleting` and the controller tears it down. */
  async delete(ctx: AuthContext, id: string): Promise<void> {
    const row = await this.row(ctx, id);
    enforce(this.d, ctx, 'os_compute_api:servers:delete', { project_id: row.project_id });
    this.checkLock(ctx, row);
    await this.d.db.updateTable('instances').set({ task_state: 'deleting', updated_at: now() }).where('id', '=', id).execute();
    this.work.enqueue(id);
  }

  /** Nova's `check_instance_lock`: a locked server refuses changes except from admins. */
  checkLock(ctx: AuthContext, row: Pick<InstanceTable, 'id' | 'locked_by'>): void {
    if (row.locked_by !== null && !isAdmin(this.d, ctx)) throw conflict(`Instance ${row.id} is locked`);
  }

  /** Servers with addresses, volumes, tags, groups and faults, in a few queries for all of them. */
  async load(rows: Selectable<InstanceTable>[]): Promise<Server[]> {
    const ids = rows.map((r) => r.id);
    const addresses = await this.peers.network.addresses(ids);
    const groups = await this.peers.network.securityGroupNames(ids);
    const tags = new Map<string, string[]>();
    const volumes = new Map<string, { id: string; delete_on_termination: boolean }[]>();
    if (ids.length > 0) {
      for (const t of await this.d.db.selectFrom('instance_tags').selectAll().where('instance_id', 'in', ids).orderBy('tag').execute()) {
        tags.set(t.instance_id, [...(tags.get(t.instance_id) ?? []), t.tag]);
      }
      for (const b of await this.d.db.selectFrom('block_device_mappings').selectAll().where('instance_id', 'in', ids).orderBy('created_at').execute()) {
        volumes.set(b.instance_id, [...(volumes.get(b.instance_id) ?? []), { id: b.volume_id, delete_on_termination: b.delete_on_termination === 1 }]);
      }
    }
    return rows.map((row) => ({
      row, flavor: json<EmbeddedFlavor>(row.flavor), status: serverStatus(row.vm_state, row.task_state), addresses: addresses.get(row.id) ?? [],
      // Before its ports exist a server shows the groups it asked for, as Nova does while building.
      volumes: volumes.get(row.id) ?? [], tags: tags.get(row.id) ?? [], securityGroups: groups.get(row.id) ?? json<string[]>(row.security_groups),
      fault: row.fault === null ? null : json<Fault>(row.fault),
    }));
  }

  /** A flavor the caller may use, by id (Nova also accepts a flavor link). */
  private async flavor(ctx: AuthContext, ref: string): Promise<EmbeddedFlavor> {
    const id = ref.split('/').at(-1)!;
    const f = await this.d.db.selectFrom('flavors').selectAll().where('id', '=', id).executeTakeFirst();
    const allowed = f && (f.is_public === 1 || isAdmin(this.d, ctx)
      || (await this.d.db.selectFrom('flavor_access').select('project_id').where('flavor_id', '=', id).where('project_id', '=', callerProject(ctx)).executeTakeFirst()));
    if (!f || !allowed || f.disabled === 1) throw badRequest(`Flavor ${id} could not be found.`);
    return { id: f.id, original_name: f.name, vcpus: f.vcpus, ram: f.ram, disk: f.disk, ephemeral: f.ephemeral, swap: f.swap, extra_specs: json(f.extra_specs) };
  }
}

/** Nova's `sanitize_hostname`: lowercase, alphanumerics and dashes, at most 63 characters. */
export function hostnameOf(name: string): string {
  const h = name.toLowerCase().replace(/[ _]/g, '-').replace(/[^a-z0-9.-]/g, '').replace(/^[.-]+|[.-]+$/g, '').slice(0, 63);
  return h === '' ? 'server' : h;
}

/** The guest's name for the n-th virtio disk: vda, vdb, ... */
export function deviceName(n: number): string {
  return `/dev/vd${String.fromCharCode(97 + n)}`;
}

/** Nova matches `name=` and `ip=` as regular expressions; an invalid one matches literally. */
function safeRegex(pattern: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch {
    return new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  }
}
