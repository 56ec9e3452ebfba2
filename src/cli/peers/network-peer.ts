import { projectContext, type AuthContext } from '../../platform/auth.ts';
import { BadRequest, Conflict } from '../../platform/errors.ts';
import type { Nic } from '../../services/compute/driver.ts';
import type { InterfaceAttachment, NetworkPeer, NetworkRequest, NovaSecurityGroup, NovaSecurityGroupRule, ServerAddress } from '../../services/compute/peers.ts';
import type { Item, NetworkService } from '../../services/network/index.ts';

type Port = Record<string, unknown> & { id: string; network_id: string; mac_address: string; device_id: string; fixed_ips: { subnet_id: string; ip_address: string }[]; security_groups: string[]; project_id: string };

/** Ports compute made for a server (deleted with it), told apart from ports a user passed in (only unbound). */
const CREATED = { created_by: 'sovcloud-compute' };
const OWNER = 'compute:nova';

/** A Neutron rule in Nova's terms (`_convert_to_nova_security_group_rule_format`). */
interface NovaRule {
  id: string;
  parentGroupId: string;
  protocol: string | null;
  fromPort: number | null;
  toPort: number | null;
  groupId: string | null;
  cidr: string;
}

/** Nova reads an open Neutron range as -1 (any ICMP type) or 1-65535 (TCP, UDP), and no prefix as `0.0.0.0/0`. */
function novaRule(r: Record<string, unknown>): NovaRule {
  const protocol = typeof r.protocol === 'string' ? r.protocol : null;
  const open = protocol !== null && r.port_range_min == null && r.port_range_max == null;
  const [from, to] = ['TCP', 'UDP'].includes(protocol?.toUpperCase() ?? '') ? [1, 65535] : [-1, -1];
  return {
    id: String(r.id), parentGroupId: String(r.security_group_id), protocol,
    fromPort: open ? from : (r.port_range_min as number | null) ?? null, toPort: open ? to : (r.port_range_max as number | null) ?? null,
    groupId: (r.remote_group_id as string | null) ?? null, cidr: (r.remote_ip_prefix as string | null) ?? '0.0.0.0/0',
  };
}

/** Nova's `_format_security_group_rule`: a remote group by name, left out when the caller cannot see it; else the CIDR. */
function ruleView(r: NovaRule, visible: Map<string, Item>): NovaSecurityGroupRule | undefined {
  const view: NovaSecurityGroupRule = { id: r.id, parent_group_id: r.parentGroupId, ip_protocol: r.protocol, from_port: r.fromPort, to_port: r.toPort, ip_range: {}, group: {} };
  if (r.groupId === null) return { ...view, ip_range: { cidr: r.cidr } };
  const remote = visible.get(r.groupId);
  return remote && { ...view, group: { name: String(remote.name), tenant_id: String(remote.project_id) } };
}

const ingress = (g: Item) => ((g.security_group_rules ?? []) as Record<string, unknown>[]).filter((r) => r.direction === 'ingress');

/** Nova's `_format_security_group`: ingress rules only; `visible` are the groups remote rules may name. */
function groupView(g: Item, visible: Map<string, Item>): NovaSecurityGroup {
  const rules = ingress(g).map((r) => ruleView(novaRule(r), visible)).filter((r) => r !== undefined);
  return { id: g.id, name: String(g.name), description: String(g.description), tenant_id: String(g.project_id), rules };
}

const byId = (groups: Item[]) => new Map(groups.map((g) => [g.id, g]));

/** Compute's view of the network service: Nova's `network/neutron.py`, in process. */
export function networkPeer(network: NetworkService): NetworkPeer {
  // Reads across projects, as Nova's admin client does; writes act in the server's project.
  const admin = projectContext('sovcloud-compute', ['admin', 'member', 'reader'], 'sovcloud-compute');
  const portsOf = async (serverIds: string[]): Promise<Port[]> => {
    const ids = new Set(serverIds);
    return (await network.ports.list(admin) as Port[]).filter((p) => ids.has(p.device_id) && String(p.device_owner).startsWith('compute:'))
      .sort((a, b) => String(a.created_at).localeCompare(String(b.created_at)));
  };
  const nic = async (p: Port): Promise<Nic> => {
    const net = await network.networks.get(admin, p.network_id);
    const vif = (p['binding:vif_details'] ?? {}) as { bridge_name?: string; namespace?: string; device_name?: string };
    return { portId: p.id, mac: p.mac_address, mtu: Number(net.mtu), namespace: vif.namespace ?? '', bridge: vif.bridge_name ?? '', device: vif.device_name ?? '' };
  };
  const groupIds = async (ctx: AuthContext, names: string[]): Promise<string[]> => {
    const groups = await network.securityGroups.list(ctx);
    const project = ctx.credentials.project_id;
    return names.map((name) => {
      const found = groups.find((g) => (g.id === name || g.name === name) && g.project_id === project);
      if (!found) throw new BadRequest(`Security group ${name} not found for project ${project}.`);
      return found.id as string;
    });
  };
  const bind = async (ctx: AuthContext, serverId: string, host: string, r: NetworkRequest, groups: string[] | undefined): Promise<Port> => {
    if (r.portId) {
      const port = await network.ports.get(ctx, r.portId) as Port;
      if (port.device_id !== '' && port.device_id !== serverId) throw new Conflict(`Port ${port.id} is still in use.`);
      return await network.ports.update(admin, port.id, { device_id: serverId, device_owner: OWNER, 'binding:host_id': host }) as Port;
    }
    return await network.ports.create(ctx, {
      network_id: r.networkId, device_id: serverId, device_owner: OWNER, 'binding:host_id': host, 'binding:profile': CREATED,
      ...(r.fixedIp ? { fixed_ips: [{ ip_address: r.fixedIp }] } : {}), ...(groups ? { security_groups: groups } : {}),
    }) as Port;
  };
  /** A group in Nova's format, with the groups the caller sees for its remote-group rules. */
  const view = async (ctx: AuthContext, g: Item): Promise<NovaSecurityGroup> => {
    const remotes = ingress(g).some((r) => r.remote_group_id != null) ? await network.securityGroups.list(ctx) : [g];
    return groupView(g, byId(remotes));
  };
  const unbind = async (p: Port) => {
    if ((p['binding:profile'] as Record<string, unknown> | undefined)?.created_by === CREATED.created_by) await network.ports.delete(admin, p.id);
    else await network.ports.update(admin, p.id, { device_id: '', device_owner: '', 'binding:host_id': '' });
  };

  return {
    async allocate(ctx, serverId, host, request, securityGroups) {
      if (request === 'none') return [];
      let wanted = request;
      if (wanted === 'auto') {
        const own = (await network.networks.list(ctx)).filter((n) => !n['router:external'] && (n.project_id === ctx.credentials.project_id || n.shared));
        if (own.length === 0) throw new BadRequest(`Unable to automatically allocate a network for project ${ctx.credentials.project_id}`);
        if (own.length > 1) throw new Conflict('Multiple possible networks found, use a Network ID to be more specific.');
        wanted = [{ networkId: own[0]!.id }];
      }
      const groups = await groupIds(ctx, securityGroups);
      const made: Port[] = [];
      try {
        for (const r of wanted) made.push(await bind(ctx, serverId, host, r, r.portId ? undefined : groups));
      } catch (err) {
        for (const p of made) await unbind(p).catch(() => {});
        throw err;
      }
      return Promise.all(made.map(nic));
    },
    async nics(serverId) {
      return Promise.all((await portsOf([serverId])).map(nic));
    },
    async addresses(serverIds) {
      const out = new Map<string, ServerAddress[]>();
      if (serverIds.length === 0) return out;
      const ports = await portsOf(serverIds);
      if (ports.length === 0) return out;
      const names = new Map((await network.networks.list(admin)).map((n) => [n.id, String(n.name)]));
      const fips = await network.floatingIps.list(admin);
      for (const p of ports) {
        const list = out.get(p.device_id) ?? [];
        const networkName = names.get(p.network_id) ?? p.network_id;
        for (const f of p.fixed_ips) {
          list.push({ networkName, version: f.ip_address.includes(':') ? 6 : 4, addr: f.ip_address, mac: p.mac_address, type: 'fixed' });
          for (const fip of fips.filter((x) => x.port_id === p.id && x.fixed_ip_address === f.ip_address)) {
            list.push({ networkName, version: 4, addr: String(fip.floating_ip_address), mac: p.mac_address, type: 'floating' });
          }
        }
        out.set(p.device_id, list);
      }
      return out;
    },
    async securityGroupNames(serverIds) {
      const out = new Map<string, string[]>();
      const ports = await portsOf(serverIds);
      if (ports.length === 0) return out;
      const names = new Map((await network.securityGroups.list(admin)).map((g) => [g.id, String(g.name)]));
      for (const p of ports) {
        const list = out.get(p.device_id) ?? [];
        for (const g of p.security_groups) if (!list.includes(names.get(g) ?? g)) list.push(names.get(g) ?? g);
        out.set(p.device_id, list);
      }
      return out;
    },
    async release(serverId) {
      for (const p of await portsOf([serverId])) await unbind(p);
    },
    async interfaces(serverId) {
      return (await portsOf([serverId])).map((p): InterfaceAttachment => ({ portId: p.id, networkId: p.network_id, mac: p.mac_address, state: String(p.status), fixedIps: p.fixed_ips }));
    },
    async attachInterface(ctx, serverId, host, request) {
      if (!request.networkId && !request.portId) {
        const own = (await network.networks.list(ctx)).filter((n) => !n['router:external'] && n.project_id === ctx.credentials.project_id);
        if (own.length !== 1) throw new BadRequest('Multiple possible networks found, use a Network ID to be more specific.');
        request = { ...request, networkId: own[0]!.id };
      }
      return nic(await bind(ctx, serverId, host, request, request.portId ? undefined : await groupIds(ctx, ['default'])));
    },
    async detachInterface(serverId, portId) {
      const p = (await portsOf([serverId])).find((x) => x.id === portId);
      if (p) await unbind(p);
    },
    async serverSecurityGroups(_ctx, serverId) {
      const ids = new Set((await portsOf([serverId])).flatMap((p) => p.security_groups));
      const all = await network.securityGroups.list(admin);
      return all.filter((g) => ids.has(g.id)).map((g) => groupView(g, byId(all)));
    },
    async addSecurityGroup(ctx, serverId, name) {
      const [id] = await groupIds(ctx, [name]);
      for (const p of await portsOf([serverId])) {
        if (!p.security_groups.includes(id!)) await network.ports.update(admin, p.id, { security_groups: [...p.security_groups, id] });
      }
    },
    async removeSecurityGroup(ctx, serverId, name) {
      const [id] = await groupIds(ctx, [name]);
      const ports = await portsOf([serverId]);
      if (!ports.some((p) => p.security_groups.includes(id!))) throw new BadRequest(`Security group ${name} not associated with the instance ${serverId}`);
      for (const p of ports) await network.ports.update(admin, p.id, { security_groups: p.security_groups.filter((g) => g !== id) });
    },
    async serverAt(networkId, ip) {
      const port = (await network.ports.list(admin) as Port[]).find((p) => p.network_id === networkId && p.fixed_ips.some((f) => f.ip_address === ip) && String(p.device_owner).startsWith('compute:'));
      return port?.device_id;
    },
    async networkData(serverId) {
      const ports = await portsOf([serverId]);
      const links = ports.map((p) => ({ id: `tap${p.id.slice(0, 11)}`, vif_id: p.id, type: 'bridge', ethernet_mac_address: p.mac_address, mtu: 1500 }));
      const networks = ports.flatMap((p, i) => p.fixed_ips.map((f, j) => ({
        id: `network${i}${j ? `-${j}` : ''}`, link: links[i]!.id, network_id: p.network_id, type: f.ip_address.includes(':') ? 'ipv6_dhcp' : 'ipv4_dhcp',
      })));
      return { links, networks, services: [] };
    },
    securityGroups: {
      async list(ctx, allProjects) {
        const all = await network.securityGroups.list(ctx);
        return all.filter((g) => allProjects || g.project_id === ctx.credentials.project_id).map((g) => groupView(g, byId(all)));
      },
      get: async (ctx, id) => view(ctx, await network.securityGroups.get(ctx, id)),
      create: async (ctx, name, description) => view(ctx, await network.securityGroups.create(ctx, { name, description })),
      update: async (ctx, id, name, description) => view(ctx, await network.securityGroups.update(ctx, id, { name, description })),
      delete: (ctx, id) => network.securityGroups.delete(ctx, id),
      async addRule(ctx, rule) {
        const parent = await network.securityGroups.get(ctx, rule.parentGroupId);
        // Nova's `_rule_exists`: an existing group rule never matches, as its CIDR reads `0.0.0.0/0`.
        const same = ingress(parent).map(novaRule).find((r) => r.groupId === rule.groupId && r.cidr === rule.cidr && r.protocol === rule.protocol
          && r.fromPort === rule.fromPort && r.toPort === rule.toPort);
        if (same) throw new BadRequest(`This rule already exists in group ${parent.id}`);
        const created = await network.securityGroupRules.create(ctx, {
          security_group_id: parent.id, direction: 'ingress', ethertype: rule.cidr?.includes(':') ? 'IPv6' : 'IPv4', protocol: rule.protocol,
          remote_ip_prefix: rule.cidr, remote_group_id: rule.groupId,
          ...(rule.fromPort !== null && rule.fromPort !== -1 ? { port_range_min: rule.fromPort } : {}),
          ...(rule.toPort !== null && rule.toPort !== -1 ? { port_range_max: rule.toPort } : {}),
        });
        const remote = rule.groupId === null ? [] : [await network.securityGroups.get(ctx, rule.groupId)];
        return ruleView(novaRule(created), byId(remote))!;
      },
      async deleteRule(ctx, id) {
        const rule = await network.securityGroupRules.get(ctx, id);
        await network.securityGroups.get(ctx, rule.security_group_id);
        await network.securityGroupRules.delete(ctx, id);
      },
    },
  };
}
