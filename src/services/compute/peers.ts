import type { Readable } from 'node:stream';
import type { AuthContext } from '../../platform/auth.ts';
import type { Nic, VolumeDisk } from './driver.ts';

/**
 * The other services as compute uses them, through their public interfaces (wired in the
 * composition root, as block storage's `ImageSource` is): Neutron ports, Cinder attachments,
 * Glance images and Placement claims. Compute never touches their tables.
 */

/** One element of a server's `networks` request. */
export interface NetworkRequest {
  networkId?: string;
  portId?: string;
  fixedIp?: string;
  tag?: string;
}

export interface ServerAddress {
  networkName: string;
  version: 4 | 6;
  addr: string;
  mac: string;
  type: 'fixed' | 'floating';
}

export interface InterfaceAttachment {
  portId: string;
  networkId: string;
  mac: string;
  state: string;
  fixedIps: { subnet_id: string; ip_address: string }[];
}

/** A rule as Nova shows it (`os-security-groups`): ingress only, with a remote group or a CIDR. */
export interface NovaSecurityGroupRule {
  id: string;
  parent_group_id: string;
  ip_protocol: string | null;
  /** -1 (any ICMP type) or 1 (any TCP/UDP port) when Neutron's range is open. */
  from_port: number | null;
  to_port: number | null;
  ip_range: { cidr?: string };
  group: { name?: string; tenant_id?: string };
}

export interface NovaSecurityGroup {
  id: string;
  name: string;
  description: string;
  tenant_id: string;
  rules: NovaSecurityGroupRule[];
}

/** An ingress rule for `os-security-group-rules`, validated as Nova's `_new_ingress_rule` does. */
export interface NovaRuleRequest {
  parentGroupId: string;
  /** Null with a remote group only: every protocol. */
  protocol: string | null;
  /** -1 for any ICMP type or code. */
  fromPort: number | null;
  toPort: number | null;
  /** Null for a remote-group rule. */
  cidr: string | null;
  groupId: string | null;
}

/**
 * The deprecated `os-security-groups` proxy (Nova's `network/security_group_api.py`): Neutron
 * groups and rules in Nova's format, acting as the caller. Errors are the network's (404 when
 * the caller cannot see a group or rule, 400 for what Neutron refuses, 409 for conflicts).
 */
export interface SecurityGroupProxy {
  /** The caller's project's groups; every project's for `allProjects` when the caller may see them. */
  list(ctx: AuthContext, allProjects: boolean): Promise<NovaSecurityGroup[]>;
  get(ctx: AuthContext, id: string): Promise<NovaSecurityGroup>;
  create(ctx: AuthContext, name: string, description: string): Promise<NovaSecurityGroup>;
  update(ctx: AuthContext, id: string, name: string, description: string): Promise<NovaSecurityGroup>;
  delete(ctx: AuthContext, id: string): Promise<void>;
  /** 400 (`This rule already exists in group ...`) when the group has an equal rule, as Nova checks before Neutron. */
  addRule(ctx: AuthContext, rule: NovaRuleRequest): Promise<NovaSecurityGroupRule>;
  /** Deletes a rule of a group the caller sees. */
  deleteRule(ctx: AuthContext, id: string): Promise<void>;
}

export interface NetworkPeer {
  /**
   * Ports for a new server on `host`: the given ones are bound to it, for networks new ports are
   * made (with the named security groups); `auto` takes the project's only network. Returns them
   * in request order. On failure, ports made here are gone again.
   */
  allocate(ctx: AuthContext, serverId: string, host: string, request: NetworkRequest[] | 'auto' | 'none', securityGroups: string[]): Promise<Nic[]>;
  /** The NICs of the ports bound to the server, in creation order. */
  nics(serverId: string): Promise<Nic[]>;
  addresses(serverIds: string[]): Promise<Map<string, ServerAddress[]>>;
  /** Names of the security groups on each server's ports (what Nova shows as the server's groups). */
  securityGroupNames(serverIds: string[]): Promise<Map<string, string[]>>;
  /** Unbinds the server's ports, deleting those compute made for it. Idempotent. */
  release(serverId: string): Promise<void>;
  interfaces(serverId: string): Promise<InterfaceAttachment[]>;
  attachInterface(ctx: AuthContext, serverId: string, host: string, request: NetworkRequest): Promise<Nic>;
  detachInterface(serverId: string, portId: string): Promise<void>;
  /** The security groups of the server's ports, in Nova's `os-security-groups` format. */
  serverSecurityGroups(ctx: AuthContext, serverId: string): Promise<NovaSecurityGroup[]>;
  addSecurityGroup(ctx: AuthContext, serverId: string, name: string): Promise<void>;
  removeSecurityGroup(ctx: AuthContext, serverId: string, name: string): Promise<void>;
  /** The server owning the port with `ip` on `networkId` (the metadata proxy's question). */
  serverAt(networkId: string, ip: string): Promise<string | undefined>;
  /** OpenStack `network_data.json` for the server's ports. */
  networkData(serverId: string): Promise<Record<string, unknown>>;
  securityGroups: SecurityGroupProxy;
}

export interface ImageInfo {
  id: string;
  name: string;
  status: string;
  diskFormat: string;
  minDisk: number;
  minRam: number;
  size: number;
  properties: Record<string, unknown>;
}

export interface ImagePeer {
  get(ctx: AuthContext, id: string): Promise<ImageInfo>;
  /** A local file with the image's data (cached by id), for the driver to base overlays on. */
  localCopy(ctx: AuthContext, id: string): Promise<{ path: string; format: string }>;
  /** Creates the queued image record only (Nova answers createImage before the upload). */
  reserve(ctx: AuthContext, name: string, properties: Record<string, string>): Promise<string>;
  upload(ctx: AuthContext, id: string, data: Readable): Promise<void>;
}

export interface VolumeInfo {
  id: string;
  size: number;
  status: string;
  bootable: boolean;
  imageMetadata: Record<string, string> | null;
}

export interface VolumePeer {
  get(ctx: AuthContext, id: string): Promise<VolumeInfo>;
  /** Creates a volume (from an image when given) and waits until it is available. */
  create(ctx: AuthContext, sizeGiB: number, imageId: string | null, name: string): Promise<string>;
  /** Reserves, connects and completes an attachment; returns it with the disk the driver attaches. */
  attach(ctx: AuthContext, volumeId: string, serverId: string, host: string, deviceName: string): Promise<{ attachmentId: string; disk: VolumeDisk }>;
  /** The disk of an existing attachment (after a restart, to plug it again). */
  disk(attachmentId: string, volumeId: string, deviceName: string): Promise<VolumeDisk>;
  detach(attachmentId: string): Promise<void>;
  delete(volumeId: string): Promise<void>;
}

export interface PlacementPeer {
  /** Registers (or updates) this host as the resource provider `uuid` (its compute node's UUID) with its inventory. */
  ensureHost(host: string, uuid: string, vcpus: number, memoryMiB: number, diskGiB: number): Promise<void>;
  /** Claims resources for a server on the host; throws when they do not fit (Nova's NoValidHost). */
  claim(serverId: string, providerId: string, resources: { VCPU: number; MEMORY_MB: number; DISK_GB: number }, projectId: string, userId: string): Promise<void>;
  release(serverId: string): Promise<void>;
}
