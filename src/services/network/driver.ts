/**
 * The data plane of networking, as Nova's `virt/driver.py` is to compute: the network service
 * decides what should exist (from the database) and hands a driver complete descriptions; the
 * driver makes the host match them. Ids are the service's UUIDs; device, namespace and process
 * names derive from them inside the driver and never leave it, except through `vifDetails`, which
 * is what the host that plugs a guest needs (Neutron's `binding:vif_details`).
 *
 * Every `ensure*` call is declarative and idempotent: afterwards the host holds exactly what the
 * spec describes for that object (devices, addresses, rules and processes the spec no longer
 * describes are gone). Every `remove*` call leaves nothing the object had; removing something
 * unknown succeeds. So each call is safe to retry, and after a crash calling `ensure*` for every
 * object in the database plus `remove*` for every id `inventory` reports beyond them converges.
 */
export interface NetworkDriver {
  /** Afterwards the host has the shared pieces every network needs. Call once before anything else. */
  start(): Promise<void>;

  /**
   * Afterwards the network's L2 segment exists and is up (down when `adminStateUp` is false), its
   * DHCP/DNS server answers for exactly `hosts` on the subnets with DHCP enabled (no server when
   * none is, or when `dhcpPort` is null), the metadata proxy answers at 169.254.169.254 when
   * `dhcpPort` is set, and, when `uplink` is set, the host reaches the network through one link
   * holding `uplink.address` while never forwarding anything between it and other interfaces.
   */
  ensureNetwork(spec: NetworkSpec): Promise<void>;

  /** Afterwards nothing of the network exists on the host (segment, DHCP server, uplink). */
  removeNetwork(networkId: string): Promise<void>;

  /**
   * Afterwards the router exists as an isolated routing context with exactly the interfaces,
   * gateway, static routes, SNAT and floating-IP translations of the spec, and sends IPv6 router
   * advertisements on interfaces whose subnet has an `ipv6RaMode`.
   */
  ensureRouter(spec: RouterSpec): Promise<void>;

  /** Afterwards nothing of the router exists on the host (context, interfaces, NAT rules). */
  removeRouter(routerId: string): Promise<void>;

  /**
   * Afterwards traffic to and from every listed port is filtered statefully by its rules (default
   * deny in both directions, plus what every port needs: ARP, IPv6 neighbour discovery, DHCP and
   * router advertisements from the network's own servers, answers to connections it opened); a
   * port with port security on may only send from its MAC and IPs (and its allowed address pairs);
   * ports not listed are not filtered. Replaces the previous firewall atomically.
   */
  applyFirewall(spec: FirewallSpec): Promise<void>;

  /** How a guest's interface for a port on `networkId` is plugged into the network. */
  vifDetails(networkId: string): VifDetails;

  /** Ids of the networks and routers this driver has something of on the host. */
  inventory(): Promise<{ networks: string[]; routers: string[] }>;

  /** Afterwards nothing this driver ever created exists on the host (namespaces, links, rules, processes). */
  purge(): Promise<void>;
}

export interface SubnetSpec {
  id: string;
  ipVersion: 4 | 6;
  cidr: string;
  gatewayIp: string | null;
  enableDhcp: boolean;
  /** Handed to DHCP clients; empty means the DHCP server itself resolves. */
  dnsNameservers: string[];
  hostRoutes: Route[];
  ipv6RaMode: Ipv6Mode | null;
  ipv6AddressMode: Ipv6Mode | null;
}

export type Ipv6Mode = 'slaac' | 'dhcpv6-stateful' | 'dhcpv6-stateless';

export interface Route {
  destination: string;
  nexthop: string;
}

export interface DhcpHost {
  mac: string;
  ip: string;
  /** Served by the network's DNS as `<hostname>.<dnsDomain>`. */
  hostname: string;
}

export interface PortAddress {
  subnetId: string;
  ip: string;
}

export interface NetworkSpec {
  id: string;
  mtu: number;
  adminStateUp: boolean;
  dnsDomain: string;
  subnets: SubnetSpec[];
  /** The port the DHCP server and metadata proxy use, with one address per DHCP subnet. */
  dhcpPort: { id: string; mac: string; addresses: PortAddress[] } | null;
  hosts: DhcpHost[];
  /** The host's own address on this network, as CIDR (e.g. `198.51.100.1/24`); external networks only. */
  uplink: { address: string } | null;
}

export interface RouterInterface {
  portId: string;
  networkId: string;
  mac: string;
  /** One per subnet: the router's address there with its subnet's prefix, e.g. `10.0.0.1/24`. */
  addresses: { ip: string; cidr: string; ipv6RaMode: Ipv6Mode | null; ipv6AddressMode: Ipv6Mode | null }[];
}

export interface RouterSpec {
  id: string;
  adminStateUp: boolean;
  /** The external network's subnets' gateways become the router's default routes. */
  gateway: (RouterInterface & { gatewayIps: string[]; enableSnat: boolean }) | null;
  interfaces: RouterInterface[];
  routes: Route[];
  /** DNAT of `floatingIp` to `fixedIp` and SNAT back, on the gateway. */
  floatingIps: { floatingIp: string; fixedIp: string }[];
}

export interface FirewallRule {
  direction: 'ingress' | 'egress';
  ethertype: 'IPv4' | 'IPv6';
  /** An IANA protocol number as Neutron normalizes it (`tcp` is 6), or null for any. */
  protocol: number | null;
  /** For TCP/UDP/SCTP a port range; for ICMP `portRangeMin` is the type and `portRangeMax` the code. */
  portRangeMin: number | null;
  portRangeMax: number | null;
  remoteIpPrefix: string | null;
  /** Traffic must come from (ingress) or go to (egress) a member of this group. */
  remoteGroupId: string | null;
}

export interface PortFirewall {
  portId: string;
  networkId: string;
  mac: string;
  ips: string[];
  allowedAddressPairs: { ipAddress: string; macAddress: string }[];
  portSecurityEnabled: boolean;
  /** The union of the port's security groups' rules; ignored when port security is off. */
  rules: FirewallRule[];
}

export interface FirewallSpec {
  ports: PortFirewall[];
  /** Member addresses of every group some rule names as its remote group. */
  groups: { id: string; ips: string[] }[];
}

/** What Nova's os-vif needs to plug a guest: the device name and where it must be enslaved. */
export interface VifDetails {
  /** The Linux bridge of the network. */
  bridgeName: string;
  /** The network namespace that bridge lives in. */
  namespace: string;
  /** The interface name a guest's device for `portId` must have in that namespace. */
  deviceName(portId: string): string;
}
