import ipaddr from 'ipaddr.js';
import type { AuthContext } from '../../platform/auth.ts';
import { BadRequest, Conflict, Forbidden } from '../../platform/errors.ts';
import { callerProject, enforce, type ComputeDeps } from './deps.ts';
import type { NetworkPeer, NovaRuleRequest, NovaSecurityGroup, NovaSecurityGroupRule } from './peers.ts';
import type { Servers } from './servers.ts';

/** `os-security-group-rules` POST's `security_group_rule`, as given (Nova checks it in its own order). */
export interface RuleCreate {
  parentGroupId: unknown;
  ipProtocol: unknown;
  fromPort: unknown;
  toPort: unknown;
  cidr: unknown;
  groupId: unknown;
}

/** oslo's `is_uuid_like`: dashes optional, any case. */
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** Nova's `validate_id`, for group and rule ids alike. */
function validateId(id: unknown): string {
  if (typeof id !== 'string' || !UUID.test(id)) throw new BadRequest('Security group id should be uuid');
  return id;
}

/** Nova's `validate_property`: a string of at most 255 characters (Neutron allows any). */
function validateProperty(value: unknown, property: string): string {
  if (typeof value !== 'string') throw new BadRequest(`${property} is not a string or unicode`);
  const length = [...value].length;
  if (length > 255) throw new BadRequest(`${property} has ${length} characters, more than 255.`);
  return value;
}

/** Nova's `parse_cidr`: none means anywhere; otherwise (URL-decoded) an address with a prefix length. */
function parseCidr(value: unknown): string {
  if (value === undefined || value === null || value === '') return '0.0.0.0/0';
  const invalid = () => new BadRequest(`${String(value)} is not a valid IP network.`);
  if (typeof value !== 'string') throw invalid();
  let cidr = value;
  try {
    cidr = decodeURIComponent(value);
  } catch {
    // Python's unquote leaves malformed escapes as they are.
  }
  const [addr, len, ...rest] = cidr.split('/');
  const valid = addr !== undefined && (ipaddr.IPv4.isValidFourPartDecimal(addr) || ipaddr.IPv6.isValid(addr)) && len !== undefined && rest.length === 0
    && /^\d+$/.test(len) && Number(len) <= (addr.includes(':') ? 128 : 32);
  if (!valid) throw invalid();
  return cidr;
}

/** Only the any-address may have a zero-length prefix. */
function checkPrefix(cidr: string): void {
  const [addr, len] = cidr.split('/') as [string, string];
  if (Number(len) === 0 && addr !== '0.0.0.0' && ipaddr.parse(addr).toString() !== '::') throw new BadRequest(`Bad prefix for network in cidr ${cidr}`);
}

/** Python's `int()` on what JSON can carry: whole numbers, truncated floats, decimal strings. */
function pyInt(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && /^\s*[-+]?\d+\s*$/.test(v)) return Number(v.trim());
  return undefined;
}

/**
 * Nova's `_new_ingress_rule`: a remote-group rule without ports opens the protocol's whole range;
 * a CIDR rule needs a protocol and both ports (null when it has not). ICMP's -1 means any.
 */
function ingressRule(parentGroupId: string, r: RuleCreate, groupId: string | null, cidr: string): NovaRuleRequest | null {
  let from = r.fromPort ?? null;
  let to = r.toPort ?? null;
  const upper = r.ipProtocol ? String(r.ipProtocol).toUpperCase() : '';
  if (groupId !== null && from === null && to === null) {
    if (upper === 'ICMP') [from, to] = [-1, -1];
    else if (upper === 'TCP' || upper === 'UDP') [from, to] = [1, 65535];
  }
  if (r.ipProtocol && from !== null && to !== null) {
    const f = pyInt(from);
    const t = pyInt(to);
    if (f === undefined || t === undefined) {
      throw new BadRequest(`Invalid input received: ${upper === 'ICMP' ? 'Type and Code must be integers for ICMP protocol type' : 'To and From ports must be integers'}`);
    }
    if (!['TCP', 'UDP', 'ICMP'].includes(upper)) throw new BadRequest(`Invalid IP protocol ${String(r.ipProtocol)}.`);
    const range = (why: string) => new BadRequest(`Invalid port range ${f}:${t}. ${why}`);
    if (upper !== 'ICMP' && f > t) throw range('Former value cannot be greater than the later');
    if (upper !== 'ICMP' && (f < 1 || t > 65535)) throw range(`Valid ${upper} ports should be between 1-65535`);
    if (upper === 'ICMP' && (f < -1 || f > 255 || t < -1 || t > 255)) throw range('For ICMP, the type:code must be valid');
    return { parentGroupId, protocol: String(r.ipProtocol), fromPort: f, toPort: t, groupId, cidr: groupId === null ? cidr : null };
  }
  return groupId === null ? null : { parentGroupId, protocol: null, fromPort: null, toPort: null, groupId, cidr: null };
}

/** Nova answers a Neutron conflict as `conflict` says (quota and `default` are 403 on create, an in-use group 400 on delete). */
async function translated<T>(work: Promise<T>, conflict: (message: string, cause: Conflict) => Error): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof Conflict) throw conflict(err.message, err);
    throw err;
  }
}

/**
 * Nova's security group APIs, all proxies to the network service: a server's groups (which live
 * on its ports), and the deprecated `os-security-groups` and `os-security-group-rules`.
 */
export class SecurityGroups {
  constructor(private readonly d: ComputeDeps, private readonly servers: Pick<Servers, 'row'>, private readonly network: NetworkPeer) {}

  async ofServer(ctx: AuthContext, id: string): Promise<NovaSecurityGroup[]> {
    const row = await this.servers.row(ctx, id);
    enforce(this.d, ctx, 'os_compute_api:os-security-groups:list', { project_id: row.project_id });
    return this.network.serverSecurityGroups(ctx, id);
  }

  async add(ctx: AuthContext, id: string, name: string): Promise<void> {
    const row = await this.servers.row(ctx, id);
    enforce(this.d, ctx, 'os_compute_api:os-security-groups:add', { project_id: row.project_id });
    await this.network.addSecurityGroup(ctx, id, name);
  }

  async remove(ctx: AuthContext, id: string, name: string): Promise<void> {
    const row = await this.servers.row(ctx, id);
    enforce(this.d, ctx, 'os_compute_api:os-security-groups:remove', { project_id: row.project_id });
    await this.network.removeSecurityGroup(ctx, id, name);
  }

  /** In the network's order (Nova pages that, then sorts the page). */
  async list(ctx: AuthContext, allProjects: boolean): Promise<NovaSecurityGroup[]> {
    this.authorize(ctx, 'get');
    return this.network.securityGroups.list(ctx, allProjects);
  }

  async get(ctx: AuthContext, id: string): Promise<NovaSecurityGroup> {
    this.authorize(ctx, 'show');
    return this.network.securityGroups.get(ctx, validateId(id));
  }

  async create(ctx: AuthContext, name: unknown, description: unknown): Promise<NovaSecurityGroup> {
    this.authorize(ctx, 'create');
    const n = validateProperty(name, 'name');
    const desc = validateProperty(description, 'description');
    return translated(this.network.securityGroups.create(ctx, n, desc), (m, cause) => new Forbidden(m, { cause }));
  }

  async update(ctx: AuthContext, id: string, name: unknown, description: unknown): Promise<NovaSecurityGroup> {
    this.authorize(ctx, 'update');
    await this.network.securityGroups.get(ctx, validateId(id));
    const n = validateProperty(name, 'name');
    const desc = validateProperty(description, 'description');
    return this.network.securityGroups.update(ctx, id, n, desc);
  }

  async delete(ctx: AuthContext, id: string): Promise<void> {
    this.authorize(ctx, 'delete');
    await this.network.securityGroups.get(ctx, validateId(id));
    await translated(this.network.securityGroups.delete(ctx, id), (m, cause) => new BadRequest(m, { cause }));
  }

  /** Checks in Nova's order: the parent group (404), the remote group (404), the rule itself (400), then Neutron. */
  async createRule(ctx: AuthContext, r: RuleCreate): Promise<NovaSecurityGroupRule> {
    this.authorize(ctx, 'rule:create');
    const parent = await this.network.securityGroups.get(ctx, validateId(r.parentGroupId));
    let groupId: string | null = null;
    if (r.groupId !== undefined && r.groupId !== null) {
      groupId = validateId(r.groupId);
      await this.network.securityGroups.get(ctx, groupId);
    }
    const rule = ingressRule(parent.id, r, groupId, groupId === null ? parseCidr(r.cidr) : '');
    if (rule === null) throw new BadRequest('Not enough parameters to build a valid rule.');
    if (rule.cidr !== null) checkPrefix(rule.cidr);
    return translated(this.network.securityGroups.addRule(ctx, rule), (m, cause) => new Forbidden(m, { cause }));
  }

  async deleteRule(ctx: AuthContext, id: string): Promise<void> {
    this.authorize(ctx, 'rule:delete');
    await this.network.securityGroups.deleteRule(ctx, validateId(id));
  }

  private authorize(ctx: AuthContext, action: string): void {
    enforce(this.d, ctx, `os_compute_api:os-security-groups:${action}`, { project_id: callerProject(ctx) });
  }
}
