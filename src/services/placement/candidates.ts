import type { AuthContext } from '../../platform/auth.ts';
import type { Db } from '../../platform/db/index.ts';
import { capacity, unitViolation, type InventoryNumbers } from './capacity.ts';
import { badRequest, enforce, type PlacementDeps } from './deps.ts';
import { ACTIONS } from './policies.ts';
import { firstUnknownClass } from './resource-classes.ts';
import { allUsage, group, type ProviderRow } from './store.ts';
import { unknownTraits } from './traits.ts';

/** One request group: the unnumbered one (`resources=`) or a numbered one (`resources1=`). */
export interface RequestGroup {
  /** '' for the unnumbered group, else the suffix. */
  suffix: string;
  resources: Record<string, number>;
  required: string[];
  forbidden: string[];
  /** Each entry: in at least one of these aggregates; entries AND together. */
  memberOf: string[][];
}

export interface CandidateRequest {
  groups: RequestGroup[];
  /** Whether numbered groups must land on different providers. */
  isolate: boolean;
  limit?: number;
  /** Microversion 1.29: one request may combine several providers of one tree. */
  nested: boolean;
}

export interface AllocationRequest {
  allocations: Record<string, Record<string, number>>;
}

export interface ProviderSummary {
  resources: Record<string, { capacity: number; used: number }>;
  traits: string[];
  parentProviderUuid: string | null;
  rootProviderUuid: string;
}

export interface Candidates {
  allocationRequests: AllocationRequest[];
  providerSummaries: Record<string, ProviderSummary>;
}

/** The trait that lets a provider's inventory serve the trees it shares an aggregate with. */
const SHARES_VIA_AGGREGATE = 'MISC_SHARES_VIA_AGGREGATE';
/** Enough combinations for any real request; a guard against pathological fan-out. */
const MAX_COMBINATIONS = 10_000;

/** Everything the search reads, taken in one transaction so it is one consistent picture. */
interface Snapshot {
  providers: ProviderRow[];
  byUuid: Map<string, ProviderRow>;
  inventories: Map<string, Map<string, InventoryNumbers>>;
  usage: Map<string, Map<string, number>>;
  traits: Map<string, Set<string>>;
  aggregates: Map<string, Set<string>>;
}

/** One way to satisfy one group: amounts per provider. */
type Choice = Map<string, Record<string, number>>;

/** `GET /allocation_candidates`: the ways the request could be allocated right now. */
export class AllocationCandidates {
  constructor(private readonly d: PlacementDeps) {}

  async list(ctx: AuthContext, r: CandidateRequest): Promise<Candidates> {
    enforce(this.d, ctx, ACTIONS.candidateList);
    return this.search(r);
  }

  async search(r: CandidateRequest): Promise<Candidates> {
    return this.d.db.transaction().execute(async (tx) => {
      await validate(tx, r);
      return solve(await snapshot(tx), r);
    });
  }
}

async function validate(db: Db, r: CandidateRequest): Promise<void> {
  const unknown = await firstUnknownClass(db, r.groups.flatMap((g) => Object.keys(g.resources)));
  if (unknown) throw badRequest(`Invalid resource class in resources parameter: No such resource class ${unknown}.`);
  const missing = await unknownTraits(db, r.groups.flatMap((g) => [...g.required, ...g.forbidden]));
  if (missing.length) throw badRequest(`No such trait(s): ${missing.join(', ')}.`);
}

async function snapshot(db: Db): Promise<Snapshot> {
  const providers = await db.selectFrom('placement_providers').selectAll().orderBy('created_at').orderBy('name').execute();
  const inventories = new Map<string, Map<string, InventoryNumbers>>();
  for (const i of await db.selectFrom('placement_inventories').selectAll().execute()) {
    let m = inventories.get(i.provider_uuid);
    if (!m) inventories.set(i.provider_uuid, (m = new Map()));
    m.set(i.resource_class, i);
  }
  const sets = (m: Map<string, string[]>) => new Map([...m].map(([k, v]) => [k, new Set(v)]));
  return {
    providers,
    byUuid: new Map(providers.map((p) => [p.uuid, p])),
    inventories,
    usage: await allUsage(db),
    traits: sets(group(await db.selectFrom('placement_provider_traits').select(['provider_uuid', 'trait as v']).execute())),
    aggregates: sets(group(await db.selectFrom('placement_provider_aggregates').select(['provider_uuid', 'aggregate_uuid as v']).execute())),
  };
}

/**
 * Placement's search, tree by tree: each group is satisfied from the tree's providers or from
 * sharing providers in an aggregate with the tree; numbered groups from one provider each,
 * the unnumbered group class by class. Combinations that overrun a provider, break `isolate`
 * or (before 1.29) spread over one tree are dropped; identical results are given once.
 */
export function solve(s: Snapshot, r: CandidateRequest): Candidates {
  const groups = r.groups.filter((g) => Object.keys(g.resources).length > 0);
  const requests: AllocationRequest[] = [];
  const seen = new Set<string>();
  const sharing = s.providers.filter((p) => s.traits.get(p.uuid)?.has(SHARES_VIA_AGGREGATE));
  const roots = s.providers.filter((p) => p.parent_uuid === null);
  let budget = MAX_COMBINATIONS;
  for (const root of roots) {
    const members = s.providers.filter((p) => p.root_uuid === root.uuid);
    const aggs = new Set(members.flatMap((p) => [...(s.aggregates.get(p.uuid) ?? [])]));
    const shared = sharing.filter((p) => p.root_uuid !== root.uuid && [...(s.aggregates.get(p.uuid) ?? [])].some((a) => aggs.has(a)));
    const pool = [...members, ...shared];
    const perGroup = groups.map((g) => choices(s, g, pool));
    if (perGroup.some((c) => c.length === 0)) continue;
    for (const combo of product(perGroup)) {
      if (--budget < 0) break;
      const merged = merge(combo);
      if (!fitsAll(s, merged)) continue;
      if (r.isolate && !isolated(groups, combo)) continue;
      if (!r.nested && [...merged.keys()].filter((u) => s.byUuid.get(u)!.root_uuid === root.uuid).length > 1) continue;
      const allocations = Object.fromEntries([...merged].sort(([a], [b]) => a.localeCompare(b)));
      const key = JSON.stringify(allocations);
      if (seen.has(key)) continue;
      seen.add(key);
      requests.push({ allocations });
    }
  }
  const limited = r.limit === undefined ? requests : requests.slice(0, r.limit);
  return { allocationRequests: limited, providerSummaries: summaries(s, limited, r.nested) };
}

/** The ways one group can be met from `pool`, each amount within its inventory's units and room. */
function choices(s: Snapshot, g: RequestGroup, pool: ProviderRow[]): Choice[] {
  const classes = Object.entries(g.resources);
  const member = (p: ProviderRow) => g.memberOf.every((any) => any.some((a) => s.aggregates.get(p.uuid)?.has(a) || s.aggregates.get(p.root_uuid)?.has(a)));
  const serves = (p: ProviderRow, rc: string, amount: number) => {
    const inv = s.inventories.get(p.uuid)?.get(rc);
    return inv !== undefined && unitViolation(inv, amount) === undefined && (s.usage.get(p.uuid)?.get(rc) ?? 0) + amount <= capacity(inv);
  };
  const traitsOk = (uuids: string[]) => {
    const has = new Set(uuids.flatMap((u) => [...(s.traits.get(u) ?? [])]));
    return g.required.every((t) => has.has(t)) && !g.forbidden.some((t) => has.has(t));
  };
  if (g.suffix !== '') {
    return pool.filter((p) => member(p) && traitsOk([p.uuid]) && classes.every(([rc, n]) => serves(p, rc, n)))
      .map((p) => new Map([[p.uuid, { ...g.resources }]]));
  }
  const perClass = classes.map(([rc, n]) => pool.filter((p) => member(p) && serves(p, rc, n)).map((p) => ({ uuid: p.uuid, rc, n })));
  const out: Choice[] = [];
  for (const pick of product(perClass)) {
    const choice: Choice = new Map();
    for (const { uuid, rc, n } of pick) choice.set(uuid, { ...(choice.get(uuid) ?? {}), [rc]: n });
    if (traitsOk([...choice.keys()])) out.push(choice);
  }
  return out;
}

function* product<T>(lists: T[][]): Generator<T[]> {
  if (lists.length === 0) {
    yield [];
    return;
  }
  const [first, ...rest] = lists;
  for (const item of first!) for (const tail of product(rest)) yield [item, ...tail];
}

/** Sums the groups' amounts per provider and class. */
function merge(combo: Choice[]): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  for (const choice of combo) {
    for (const [uuid, resources] of choice) {
      const have = out.get(uuid) ?? {};
      for (const [rc, n] of Object.entries(resources)) have[rc] = (have[rc] ?? 0) + n;
      out.set(uuid, have);
    }
  }
  return out;
}

/** The summed amounts still fit: several groups may land on one provider. */
function fitsAll(s: Snapshot, merged: Map<string, Record<string, number>>): boolean {
  for (const [uuid, resources] of merged) {
    for (const [rc, n] of Object.entries(resources)) {
      const inv = s.inventories.get(uuid)!.get(rc)!;
      if (n > inv.max_unit || (s.usage.get(uuid)?.get(rc) ?? 0) + n > capacity(inv)) return false;
    }
  }
  return true;
}

/** `group_policy=isolate`: no two numbered groups on one provider. */
function isolated(groups: RequestGroup[], combo: Choice[]): boolean {
  const used = new Set<string>();
  for (let i = 0; i < groups.length; i++) {
    if (groups[i]!.suffix === '') continue;
    const uuid = [...combo[i]!.keys()][0]!;
    if (used.has(uuid)) return false;
    used.add(uuid);
  }
  return true;
}

/** The providers in the requests (from 1.29: with the rest of their trees), with capacity and usage. */
function summaries(s: Snapshot, requests: AllocationRequest[], nested: boolean): Record<string, ProviderSummary> {
  const involved = new Set(requests.flatMap((r) => Object.keys(r.allocations)));
  const roots = new Set([...involved].map((u) => s.byUuid.get(u)!.root_uuid));
  const shown = nested ? s.providers.filter((p) => involved.has(p.uuid) || roots.has(p.root_uuid)) : s.providers.filter((p) => involved.has(p.uuid));
  const out: Record<string, ProviderSummary> = {};
  for (const p of shown) {
    const resources: ProviderSummary['resources'] = {};
    for (const [rc, inv] of s.inventories.get(p.uuid) ?? []) resources[rc] = { capacity: capacity(inv), used: s.usage.get(p.uuid)?.get(rc) ?? 0 };
    out[p.uuid] = { resources, traits: [...(s.traits.get(p.uuid) ?? [])].sort(), parentProviderUuid: p.parent_uuid, rootProviderUuid: p.root_uuid };
  }
  return out;
}
