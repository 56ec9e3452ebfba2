import type { Selectable } from 'kysely';
import type { Db } from '../../platform/db/index.ts';
import { badRequest, conflict, json } from './deps.ts';
import { contains, eui64, fromBig, parseCidr, toBig } from './ip.ts';
import type { SubnetTable } from './tables.ts';
import { invalid, ip as parseIp, object } from './validate.ts';

export interface FixedIp {
  subnet_id: string;
  ip_address: string;
}

type Subnet = Selectable<SubnetTable>;

/** SLAAC and stateless DHCPv6 subnets: the guest forms its address itself from the MAC. */
export const isAutoAddress = (s: Pick<SubnetTable, 'ipv6_address_mode'>) => s.ipv6_address_mode === 'slaac' || s.ipv6_address_mode === 'dhcpv6-stateless';

/**
 * Neutron's IPAM for one port, inside the caller's transaction: requested addresses are checked
 * and taken; without a request the port gets the first free address of the first IPv4 subnet
 * with room, the same of the first stateful IPv6 subnet, and its EUI-64 address on every SLAAC
 * subnet (except router ports, which take their subnet's gateway explicitly). The primary key
 * on (subnet, address) makes a double allocation impossible even across racing requests.
 */
export async function allocate(tx: Db, portId: string, networkId: string, mac: string, requested: unknown[] | undefined, router: boolean): Promise<FixedIp[]> {
  const subnets = await tx.selectFrom('subnets').selectAll().where('network_id', '=', networkId).orderBy('created_at').orderBy('id').execute();
  const picked: FixedIp[] = [];
  if (requested === undefined) {
    for (const version of [4, 6]) {
      for (const s of subnets.filter((x) => x.ip_version === version && !isAutoAddress(x))) {
        const ip = await nextFree(tx, s);
        if (ip !== null) {
          picked.push({ subnet_id: s.id, ip_address: ip });
          break;
        }
      }
    }
    if (!router) for (const s of subnets.filter(isAutoAddress)) picked.push({ subnet_id: s.id, ip_address: eui64(parseCidr(s.cidr), mac) });
    if (picked.length === 0 && subnets.length > 0) throw conflict('IpAddressGenerationFailure', `No more IP addresses available on network ${networkId}.`);
  } else {
    for (const r of requested) {
      const want = object(r, 'fixed_ips');
      const ip = want.ip_address === undefined ? undefined : parseIp(want.ip_address, 'fixed_ips');
      const subnet = typeof want.subnet_id === 'string' ? subnets.find((s) => s.id === want.subnet_id) : ip !== undefined ? subnets.find((s) => contains(parseCidr(s.cidr), ip)) : undefined;
      if (!subnet) {
        if (want.subnet_id !== undefined) throw badRequest(`Invalid input for operation: Failed to create port on network ${networkId}, because fixed_ips included invalid subnet ${String(want.subnet_id)}.`, 'InvalidInput');
        throw badRequest(`Invalid input for operation: IP address ${String(ip)} is not a valid IP for any of the subnets on the specified network.`, 'InvalidInput');
      }
      if (ip === undefined) {
        const free = isAutoAddress(subnet) ? eui64(parseCidr(subnet.cidr), mac) : await nextFree(tx, subnet);
        if (free === null) throw conflict('IpAddressGenerationFailure', `No more IP addresses available on network ${networkId}.`);
        picked.push({ subnet_id: subnet.id, ip_address: free });
        continue;
      }
      const c = parseCidr(subnet.cidr);
      if (!contains(c, ip) || (c.version === 4 && c.prefix < 31 && (toBig(ip) === c.first || toBig(ip) === c.last))) {
        throw badRequest(`IP address ${ip} is not a valid IP for the specified subnet.`, 'InvalidIpForSubnet');
      }
      if (subnet.gateway_ip === ip && !router) throw conflict('IpAddressAlreadyAllocated', `IP address ${ip} already allocated in subnet ${subnet.id}`);
      picked.push({ subnet_id: subnet.id, ip_address: ip });
    }
  }
  for (const p of picked) {
    const taken = await tx.selectFrom('ip_allocations').select('port_id').where('subnet_id', '=', p.subnet_id).where('ip_address', '=', p.ip_address).executeTakeFirst();
    if (taken && taken.port_id !== portId) throw conflict('IpAddressAlreadyAllocated', `IP address ${p.ip_address} already allocated in subnet ${p.subnet_id}`);
    if (picked.filter((x) => x.subnet_id === p.subnet_id && x.ip_address === p.ip_address).length > 1) throw invalid('fixed_ips', 'Duplicate IP address');
  }
  await tx.deleteFrom('ip_allocations').where('port_id', '=', portId).execute();
  if (picked.length > 0) await tx.insertInto('ip_allocations').values(picked.map((p) => ({ ...p, port_id: portId, network_id: networkId }))).execute();
  return picked;
}

/** The lowest free address of the subnet's allocation pools, or null when they are full. */
async function nextFree(tx: Db, s: Subnet): Promise<string | null> {
  const used = new Set((await tx.selectFrom('ip_allocations').select('ip_address').where('subnet_id', '=', s.id).execute()).map((r) => toBig(r.ip_address)));
  const version = s.ip_version as 4 | 6;
  for (const pool of json<{ start: string; end: string }[]>(s.allocation_pools)) {
    for (let n = toBig(pool.start), end = toBig(pool.end); n <= end; n++) {
      if (!used.has(n)) return fromBig(n, version);
    }
  }
  return null;
}

export async function fixedIpsOf(db: Db, portIds: string[]): Promise<Map<string, FixedIp[]>> {
  const out = new Map<string, FixedIp[]>(portIds.map((id) => [id, []]));
  for (let i = 0; i < portIds.length; i += 500) {
    const rows = await db.selectFrom('ip_allocations').selectAll().where('port_id', 'in', portIds.slice(i, i + 500)).execute();
    for (const r of rows) out.get(r.port_id)?.push({ subnet_id: r.subnet_id, ip_address: r.ip_address });
  }
  return out;
}
