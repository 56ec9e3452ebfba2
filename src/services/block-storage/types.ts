import type { AuthContext } from '../../platform/auth.ts';
import { bool } from '../../platform/db/index.ts';
import { BadRequest, Conflict, NotFound } from '../../platform/errors.ts';
import { uuid } from '../../platform/ids.ts';
import { callerProject, enforce, isAdmin, nowIso, parseMap, type BlockStorageDeps } from './deps.ts';
import type { VolumeTypeTable } from './tables.ts';

export interface VolumeType {
  id: string;
  name: string;
  description: string | null;
  is_public: boolean;
  extra_specs: Record<string, string>;
  encryption: Encryption | null;
}

export interface Encryption {
  provider: string;
  cipher: string | null;
  key_size: number | null;
  control_location: string;
}

export interface VolumeTypeInput {
  name?: string;
  description?: string | null;
  is_public?: boolean;
  extra_specs?: Record<string, string>;
}

export const DEFAULT_TYPE = '__DEFAULT__';

/** The types every cloud starts with: Cinder's default, and an encrypted one named as scs-0114 asks. */
const BOOTSTRAP: Omit<VolumeTypeTable, 'id' | 'created_at' | 'updated_at'>[] = [
  { name: DEFAULT_TYPE, description: 'Default Volume Type', is_public: 1, extra_specs: '{}', encryption: null },
  {
    name: 'LUKS',
    description: '[scs:encrypted] LUKS-encrypted volumes; each volume has its own key, wrapped by a master key kept apart from the data',
    is_public: 1,
    extra_specs: '{}',
    encryption: JSON.stringify({ provider: 'luks', cipher: 'aes-xts-plain64', key_size: 256, control_location: 'front-end' }),
  },
];

export function toVolumeType(r: VolumeTypeTable): VolumeType {
  return {
    id: r.id, name: r.name, description: r.description, is_public: bool(r.is_public),
    extra_specs: parseMap(r.extra_specs), encryption: r.encryption === null ? null : (JSON.parse(r.encryption) as Encryption),
  };
}

export class VolumeTypes {
  constructor(private readonly d: BlockStorageDeps) {}

  async bootstrap(): Promise<void> {
    for (const t of BOOTSTRAP) {
      const exists = await this.d.db.selectFrom('volume_types').select('id').where('name', '=', t.name).executeTakeFirst();
      if (!exists) await this.d.db.insertInto('volume_types').values({ ...t, id: uuid(), created_at: nowIso(), updated_at: null }).execute();
    }
  }

  async row(id: string): Promise<VolumeTypeTable | undefined> {
    return this.d.db.selectFrom('volume_types').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** A type by id or name, as volume create accepts it; none given means the default type. */
  async resolve(ref: string | null | undefined): Promise<VolumeTypeTable> {
    const key = ref ?? DEFAULT_TYPE;
    const row = await this.d.db.selectFrom('volume_types').selectAll().where((eb) => eb.or([eb('id', '=', key), eb('name', '=', key)])).executeTakeFirst();
    if (!row) throw new NotFound(`Volume type with name ${key} could not be found.`);
    return row;
  }

  async list(ctx: AuthContext, f: { is_public?: boolean | undefined }): Promise<VolumeType[]> {
    enforce(this.d, ctx, 'volume_extension:type_get', { project_id: callerProject(ctx) });
    let q = this.d.db.selectFrom('volume_types').selectAll().orderBy('name');
    // Non-admins see only public types (type access lists are not kept).
    if (!isAdmin(this.d, ctx)) q = q.where('is_public', '=', 1);
    else if (f.is_public !== undefined) q = q.where('is_public', '=', f.is_public ? 1 : 0);
    return (await q.execute()).map(toVolumeType);
  }

  async get(ctx: AuthContext, id: string): Promise<VolumeType> {
    enforce(this.d, ctx, 'volume_extension:type_get', { project_id: callerProject(ctx) });
    const row = id === 'default' ? await this.resolve(undefined) : await this.row(id);
    if (!row || (!bool(row.is_public) && !isAdmin(this.d, ctx))) throw new NotFound(`Volume type ${id} could not be found.`);
    return toVolumeType(row);
  }

  async create(ctx: AuthContext, input: VolumeTypeInput & { name: string }): Promise<VolumeType> {
    enforce(this.d, ctx, 'volume_extension:types_manage');
    if (await this.d.db.selectFrom('volume_types').select('id').where('name', '=', input.name).executeTakeFirst()) {
      throw new Conflict(`Volume Type ${input.name} already exists.`);
    }
    const row: VolumeTypeTable = {
      id: uuid(), name: input.name, description: input.description ?? null, is_public: input.is_public === false ? 0 : 1,
      extra_specs: JSON.stringify(input.extra_specs ?? {}), encryption: null, created_at: nowIso(), updated_at: null,
    };
    await this.d.db.insertInto('volume_types').values(row).execute();
    return toVolumeType(row);
  }

  async update(ctx: AuthContext, id: string, patch: VolumeTypeInput): Promise<VolumeType> {
    enforce(this.d, ctx, 'volume_extension:types_manage');
    const row = await this.require(id);
    if (patch.name !== undefined && patch.name !== row.name && row.name === DEFAULT_TYPE) throw new BadRequest('The default volume type cannot be renamed.');
    const next: VolumeTypeTable = {
      ...row, name: patch.name ?? row.name, description: patch.description === undefined ? row.description : patch.description,
      is_public: patch.is_public === undefined ? row.is_public : patch.is_public ? 1 : 0, updated_at: nowIso(),
    };
    await this.d.db.updateTable('volume_types').set(next).where('id', '=', id).execute();
    return toVolumeType(next);
  }

  async delete(ctx: AuthContext, id: string): Promise<void> {
    enforce(this.d, ctx, 'volume_extension:types_manage');
    const row = await this.require(id);
    if (row.name === DEFAULT_TYPE) throw new BadRequest('Default volume type can not be deleted.');
    if (await this.d.db.selectFrom('volumes').select('id').where('volume_type_id', '=', id).executeTakeFirst()) {
      throw new BadRequest(`Target volume type is still in use. Volume Type ${id} deletion is not allowed with volumes present with the type.`);
    }
    await this.d.db.deleteFrom('volume_types').where('id', '=', id).execute();
  }

  async extraSpecs(ctx: AuthContext, id: string): Promise<Record<string, string>> {
    enforce(this.d, ctx, 'volume_extension:types_extra_specs:index', { project_id: callerProject(ctx) });
    return (await this.get(ctx, id)).extra_specs;
  }

  /** Merges (`replace` false) or replaces extra specs; `undefined` values remove keys. */
  async setExtraSpecs(ctx: AuthContext, id: string, change: (specs: Record<string, string>) => Record<string, string>): Promise<Record<string, string>> {
    enforce(this.d, ctx, 'volume_extension:types_extra_specs:update');
    const row = await this.require(id);
    const specs = change(parseMap(row.extra_specs));
    await this.d.db.updateTable('volume_types').set({ extra_specs: JSON.stringify(specs), updated_at: nowIso() }).where('id', '=', id).execute();
    return specs;
  }

  async encryption(ctx: AuthContext, id: string): Promise<Encryption | null> {
    enforce(this.d, ctx, 'volume_extension:volume_type_encryption:get', { project_id: callerProject(ctx) });
    return (await this.get(ctx, id)).encryption;
  }

  private async require(id: string): Promise<VolumeTypeTable> {
    const row = await this.row(id);
    if (!row) throw new NotFound(`Volume type ${id} could not be found.`);
    return row;
  }
}
