import type { Selectable } from 'kysely';
import type { AuthContext } from '../../platform/auth.ts';
import type { Db } from '../../platform/db/index.ts';
import { uuid } from '../../platform/ids.ts';
import { badRequest, callerProject, conflict, enforce, flag, invalidInput, isAdmin, json, notFound, now, ownerFor, type NetworkDeps } from './deps.ts';
import type { Collection } from './index.ts';
import { fromBig, parseCidr, type Cidr } from './ip.ts';
import type { Quotas } from './quotas.ts';
import type { SubnetPoolTable } from './tables.ts';
import type { Tags } from './tags.ts';
import { bool, cidr as cidrText, invalid, only, str, type Body } from './validate.ts';

export type SubnetPool = Record<string, unknown> & { id: string; project_id: string };
type Row = Selectable<SubnetPoolTable>;

const CREATE = ['name', 'description', 'prefixes', 'default_prefixlen', 'min_prefixlen', 'max_prefixlen', 'default_quota', 'is_default', 'shared',
  'address_scope_id', 'project_id', 'tenant_id', 'tags'];
const UPDATE = ['name', 'description', 'prefixes', 'default_prefixlen', 'min_prefixlen', 'max_prefixlen', 'default_quota', 'is_default', 'address_scope_id'];
const BITS = { 4: 32, 6: 128 } as const;
/** Neutron's implicit `min_prefixlen`: no IPv4 subnet larger than a /8, no IPv6 one larger than a /64. */
const MIN_PREFIXLEN = { 4: 8, 6: 64 } as const;
/** `default_quota` counts IPv4 space in /32s and IPv6 space in /64s. */
const QUOTA_UNIT = { 4: 32, 6: 64 } as const;
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

const subnetPoolNotFound = (id: string) => notFound('SubnetPoolNotFound', `Subnet pool ${id} could not be found.`);
/** Neutron raises this as a bare NeutronException (HTTP 500); an exhausted pool is a conflict, not a server fault. */
const allocationError = (reason: string) => conflict('SubnetAllocationError', `Failed to allocate subnet: ${reason}.`);
const required = (attr: string) => badRequest(`Failed to parse request. Required attribute '${attr}' not specified`);

/** What a subnet request asks of its pool; `cidr` null (and no gateway) means "any free block". */
export interface PoolRequest {
  cidr: Cidr | null;
  prefixlen: number | null | undefined;
  gateway: string | null | undefined;
}

/** Neutron's `non_negative` integer attributes; numeric strings count, as tempest sends them. */
export function nonNegative(b: Body, attr: string): number | null | undefined {
  const v = b[attr];
  if (v === undefined || v === null) return v as undefined | null;
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw invalid(attr, `'${String(v)}' is not an integer`);
  if (n < 0) throw invalid(attr, `'${n}' should be non-negative`);
  return n;
}

/** Neutron's subnet pools (`subnet_allocation`, `default-subnetpools`): prefixes new subnets are carved from. */
export class SubnetPools implements Collection {
  constructor(private readonly d: NetworkDeps, private readonly tags: Tags, private readonly quotas: Quotas) {}

  canSee(ctx: AuthContext, row: Pick<SubnetPoolTable, 'project_id' | 'shared'>): boolean {
    return row.project_id === callerProject(ctx) || row.shared === 1 || isAdmin(this.d, ctx);
  }

  async row(ctx: AuthContext, id: string): Promise<Row> {
    const row = await this.d.db.selectFrom('subnet_pools').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row || !this.canSee(ctx, row)) throw subnetPoolNotFound(id);
    return row;
  }

  async list(ctx: AuthContext): Promise<SubnetPool[]> {
    let q = this.d.db.selectFrom('subnet_pools').selectAll();
    if (!isAdmin(this.d, ctx)) q = q.where((eb) => eb.or([eb('project_id', '=', callerProject(ctx)), eb('shared', '=', 1)]));
    return this.views(await q.execute());
  }

  async get(ctx: AuthContext, id: string): Promise<SubnetPool> {
    return (await this.views([await this.row(ctx, id)]))[0]!;
  }

  async create(ctx: AuthContext, b: Body): Promise<SubnetPool> {
    only(b, CREATE);
    const project = ownerFor(this.d, ctx, b);
    enforce(this.d, ctx, 'create_subnetpool', { project_id: project });
    const shared = bool(b, 'shared') ?? false;
    const isDefault = bool(b, 'is_default') ?? false;
    // Neutron checks an attribute's policy only when the request sets it away from its default.
    if (shared) enforce(this.d, ctx, 'create_subnetpool:shared', { project_id: project });
    if (isDefault) enforce(this.d, ctx, 'create_subnetpool:is_default', { project_id: project });
    if (b.name === undefined) throw required('name');
    if (b.prefixes === undefined) throw required('prefixes');
    const prefixes = prefixList(b.prefixes);
    const version = prefixes[0]!.version;
    const min = nonNegative(b, 'min_prefixlen') ?? MIN_PREFIXLEN[version];
    const max = nonNegative(b, 'max_prefixlen') ?? BITS[version];
    const def = nonNegative(b, 'default_prefixlen') ?? min;
    checkBounds(version, min, max, def);
    noAddressScope(b);
    const t = now();
    const row: Row = {
      id: uuid(), project_id: project, name: name(b), description: str(b, 'description') ?? '', ip_version: version,
      prefixes: JSON.stringify(compact(prefixes)), default_prefixlen: def, min_prefixlen: min, max_prefixlen: max, shared: flag(shared),
      is_default: flag(isDefault), default_quota: nonNegative(b, 'default_quota') ?? null, address_scope_id: null, revision_number: 1, created_at: t, updated_at: t,
    };
    await this.d.db.transaction().execute(async (tx) => {
      await this.quotas.check(tx, project, 'subnetpool');
      if (isDefault) await onlyDefault(tx, version);
      await tx.insertInto('subnet_pools').values(row).execute();
    });
    if (b.tags !== undefined) await this.tags.replace(row.id, b.tags);
    return this.get(ctx, row.id);
  }

  /** Prefixes can only grow: shrinking one would strand the subnets allocated from it. */
  async update(ctx: AuthContext, id: string, b: Body): Promise<SubnetPool> {
    only(b, UPDATE);
    const row = await this.row(ctx, id);
    enforce(this.d, ctx, 'update_subnetpool', { project_id: row.project_id });
    if (b.is_default !== undefined) enforce(this.d, ctx, 'update_subnetpool:is_default', { project_id: row.project_id });
    const version = row.ip_version as 4 | 6;
    const set: Partial<SubnetPoolTable> = { revision_number: row.revision_number + 1, updated_at: now() };
    if (b.name !== undefined) set.name = name(b);
    if (b.description !== undefined) set.description = str(b, 'description')!;
    if (b.prefixes !== undefined) set.prefixes = JSON.stringify(grown(row, prefixList(b.prefixes)));
    set.min_prefixlen = nonNegative(b, 'min_prefixlen') ?? row.min_prefixlen;
    set.max_prefixlen = nonNegative(b, 'max_prefixlen') ?? row.max_prefixlen;
    set.default_prefixlen = nonNegative(b, 'default_prefixlen') ?? row.default_prefixlen;
    checkBounds(version, set.min_prefixlen, set.max_prefixlen, set.default_prefixlen);
    if (b.default_quota !== undefined) set.default_quota = nonNegative(b, 'default_quota') ?? null;
    const isDefault = bool(b, 'is_default');
    if (isDefault !== undefined) set.is_default = flag(isDefault);
    noAddressScope(b);
    await this.d.db.transaction().execute(async (tx) => {
      if (isDefault && row.is_default === 0) await onlyDefault(tx, version);
      await tx.updateTable('subnet_pools').set(set).where('id', '=', id).execute();
    });
    return this.get(ctx, id);
  }

  async delete(ctx: AuthContext, id: string): Promise<void> {
    const row = await this.row(ctx, id);
    enforce(this.d, ctx, 'delete_subnetpool', { project_id: row.project_id });
    await this.d.db.transaction().execute(async (tx) => {
      const used = await tx.selectFrom('subnets').select('id').where('subnetpool_id', '=', id).executeTakeFirst();
      if (used) throw badRequest('Unable to delete subnet pool: Subnet pool has existing allocations.', 'SubnetPoolDeleteError');
      await tx.deleteFrom('network_tags').where('resource_id', '=', id).execute();
      await tx.deleteFrom('subnet_pools').where('id', '=', id).execute();
    });
  }

  /**
   * The pool a subnet request draws from: `subnetpool_id`, or with `use_default_subnetpool` the
   * default pool of the subnet's IP version that the caller can see; null for a plain cidr request.
   */
  async forSubnet(ctx: AuthContext, b: Body, version: number): Promise<Row | null> {
    const useDefault = bool(b, 'use_default_subnetpool') ?? false;
    const id = b.subnetpool_id ?? null;
    if (useDefault && id !== null) throw badRequest('Bad subnets request: subnetpool_id and use_default_subnetpool cannot both be specified.');
    let pool: Row | undefined;
    if (id !== null) {
      if (typeof id !== 'string') throw invalid('subnetpool_id', `'${String(id)}' is not a valid UUID`);
      pool = await this.row(ctx, id);
    } else if (useDefault) {
      const defaults = await this.d.db.selectFrom('subnet_pools').selectAll().where('is_default', '=', 1).where('ip_version', '=', version).execute();
      pool = defaults.find((p) => this.canSee(ctx, p));
      if (!pool) throw badRequest(`Bad subnets request: No default subnetpool found for IPv${version}.`);
    } else {
      return null;
    }
    if (pool.ip_version !== version) throw badRequest(`Bad subnets request: Cannot allocate IPv${version} subnet from IPv${pool.ip_version} subnet pool.`);
    return pool;
  }

  private async views(rows: Row[]): Promise<SubnetPool[]> {
    const tags = await this.tags.of(rows.map((r) => r.id));
    // Neutron renders the prefix lengths as strings, and tempest compares them as such.
    return rows.map((r) => ({
      id: r.id, name: r.name, tenant_id: r.project_id, project_id: r.project_id, description: r.description, ip_version: r.ip_version,
      prefixes: json<string[]>(r.prefixes), default_prefixlen: String(r.default_prefixlen), min_prefixlen: String(r.min_prefixlen),
      max_prefixlen: String(r.max_prefixlen), shared: r.shared === 1, is_default: r.is_default === 1, default_quota: r.default_quota,
      address_scope_id: r.address_scope_id, tags: tags.get(r.id) ?? [], created_at: r.created_at, updated_at: r.updated_at, revision_number: r.revision_number,
    }));
  }
}

/**
 * The block a new subnet of `project` gets from `pool`; call inside the subnet-creating
 * transaction, so two subnets never get one block. A requested `cidr` (or the block around a
 * requested gateway) must lie in free pool space. Otherwise Neutron's reference allocator takes
 * the smallest free aligned block that fits and carves the subnet from its start, which keeps
 * large blocks whole for large requests.
 */
export async function allocateFromPool(tx: Db, pool: Row, project: string, want: PoolRequest): Promise<Cidr> {
  const version = pool.ip_version as 4 | 6;
  const asked = want.cidr ?? (typeof want.gateway === 'string' ? parseCidr(`${want.gateway}/${want.prefixlen ?? pool.default_prefixlen}`) : null);
  const prefixlen = asked?.prefix ?? want.prefixlen ?? pool.default_prefixlen;
  if (prefixlen > pool.max_prefixlen) {
    throw badRequest(`Unable to allocate subnet with prefix length ${prefixlen}, maximum allowed prefix is ${pool.max_prefixlen}.`, 'MaxPrefixSubnetAllocationError');
  }
  if (prefixlen < pool.min_prefixlen) {
    throw badRequest(`Unable to allocate subnet with prefix length ${prefixlen}, minimum allowed prefix is ${pool.min_prefixlen}.`, 'MinPrefixSubnetAllocationError');
  }
  const taken = await tx.selectFrom('subnets').select(['cidr', 'project_id']).where('subnetpool_id', '=', pool.id).execute();
  if (pool.default_quota) {
    const units = (len: number) => 2 ** (QUOTA_UNIT[version] - len);
    const used = taken.filter((s) => s.project_id === project).reduce((n, s) => n + units(parseCidr(s.cidr).prefix), 0);
    if (used + units(prefixlen) > pool.default_quota) throw conflict('SubnetPoolQuotaExceeded', 'Per-tenant subnet pool prefix quota exceeded.');
  }
  const free = minus(merge(json<string[]>(pool.prefixes).map((p) => parseCidr(p))), taken.map((s) => parseCidr(s.cidr)));
  if (asked) {
    if (asked.version !== version || !free.some((s) => s.first <= asked.first && asked.last <= s.last)) {
      throw allocationError('Cannot allocate requested subnet from the available set of prefixes');
    }
    return asked;
  }
  const block = free.flatMap((s) => cidrs(s, version)).sort((a, b) => b.prefix - a.prefix).find((c) => c.prefix <= prefixlen);
  if (!block) throw allocationError(`Insufficient prefix space to allocate subnet size /${prefixlen}`);
  return parseCidr(`${fromBig(block.first, version)}/${prefixlen}`);
}

/** An inclusive address range. */
type Span = { first: bigint; last: bigint };

/** Sorted, disjoint, non-adjacent spans covering the same addresses (a compacted netaddr IPSet). */
function merge(spans: Span[]): Span[] {
  const out: Span[] = [];
  for (const s of [...spans].sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0))) {
    const prev = out.at(-1);
    if (prev && s.first <= prev.last + 1n) prev.last = s.last > prev.last ? s.last : prev.last;
    else out.push({ first: s.first, last: s.last });
  }
  return out;
}

/** `spans` without the addresses of `holes`. */
function minus(spans: Span[], holes: Span[]): Span[] {
  let out = spans;
  for (const h of holes) {
    out = out.flatMap((s) => (h.last < s.first || h.first > s.last ? [s] : [
      ...(h.first > s.first ? [{ first: s.first, last: h.first - 1n }] : []),
      ...(h.last < s.last ? [{ first: h.last + 1n, last: s.last }] : []),
    ]));
  }
  return out;
}

/** The fewest CIDRs covering a span exactly, lowest first (netaddr's `iter_cidrs`). */
function cidrs(s: Span, version: 4 | 6): Cidr[] {
  const out: Cidr[] = [];
  const size = (host: bigint) => 1n << host;
  for (let first = s.first; first <= s.last;) {
    let host = 0n;
    // Grow the block while it stays aligned at `first` and inside the span.
    while (host < BigInt(BITS[version]) && first % size(host + 1n) === 0n && first + size(host + 1n) - 1n <= s.last) host++;
    out.push(parseCidr(`${fromBig(first, version)}/${BITS[version] - Number(host)}`));
    first += size(host);
  }
  return out;
}

/** Canonical, merged prefixes as Neutron stores them: `10.0.0.0/25` and `10.0.0.128/25` become `10.0.0.0/24`. */
function compact(prefixes: Cidr[]): string[] {
  return merge(prefixes).flatMap((s) => cidrs(s, prefixes[0]!.version)).map((c) => c.text);
}

/** Neutron's `subnet_list` attribute, all of one IP version. */
function prefixList(raw: unknown): Cidr[] {
  if (!Array.isArray(raw)) throw invalid('prefixes', `'${JSON.stringify(raw)}' is not a list`);
  const dups = [...new Set(raw.filter((p, i) => raw.indexOf(p) !== i))];
  if (dups.length > 0) throw invalid('prefixes', `Duplicate items in the list: '${dups.map(String).join(', ')}'`);
  const out = raw.map((p) => parseCidr(cidrText(p, 'prefixes')));
  if (out.length === 0) throw badRequest('Empty subnet pool prefix list.', 'EmptySubnetPoolPrefixList');
  if (out.some((c) => c.version !== out[0]!.version)) throw badRequest('Cannot mix IPv4 and IPv6 prefixes in a subnet pool.', 'PrefixVersionMismatch');
  return out;
}

/** The new prefixes of `row`, which must cover every address the old ones did. */
function grown(row: Row, next: Cidr[]): string[] {
  const covered = merge(next);
  const old = merge(json<string[]>(row.prefixes).map((p) => parseCidr(p)));
  if (next[0]!.version !== row.ip_version || old.some((o) => !covered.some((n) => n.first <= o.first && o.last <= n.last))) {
    throw badRequest('Illegal update to prefixes: Existing prefixes must be a subset of the new prefixes.', 'IllegalSubnetPoolPrefixUpdate');
  }
  return compact(next);
}

function checkBounds(version: 4 | 6, min: number, max: number, def: number): void {
  const illegal = (type: string, len: number, base: string, baseLen: number) => badRequest(`Illegal prefix bounds: ${type}=${len}, ${base}=${baseLen}.`, 'IllegalSubnetPoolPrefixBounds');
  if (min > max) throw illegal('min_prefixlen', min, 'max_prefixlen', max);
  if (max > BITS[version]) throw illegal('max_prefixlen', max, 'ip_version_max', BITS[version]);
  if (def < min) throw illegal('default_prefixlen', def, 'min_prefixlen', min);
  if (def > max) throw illegal('default_prefixlen', def, 'max_prefixlen', max);
}

/** Only one default pool per IP version, across all projects. */
async function onlyDefault(tx: Db, version: number): Promise<void> {
  const other = await tx.selectFrom('subnet_pools').select('id').where('is_default', '=', 1).where('ip_version', '=', version).executeTakeFirst();
  if (other) throw invalidInput('A default subnetpool for this IP family has already been set. Only one default may exist per IP family');
}

/** Neutron's `not_empty_string`. */
function name(b: Body): string {
  const v = str(b, 'name')!;
  if (v.trim() === '') throw invalid('name', `'${v}' Blank strings are not permitted`);
  return v;
}

/** Address scopes are not implemented, so any scope a pool names does not exist. */
function noAddressScope(b: Body): void {
  const v = b.address_scope_id;
  if (v === undefined || v === null) return;
  if (typeof v !== 'string' || !UUID.test(v)) throw invalid('address_scope_id', `'${String(v)}' is not a valid UUID`);
  throw notFound('AddressScopeNotFound', `Address scope ${v} could not be found.`);
}
