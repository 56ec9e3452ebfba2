import { NetworkBackendError } from './errors.ts';

/** Ids reach device names, namespace names, file paths and command lines, so only these pass. */
const SAFE_ID = /^[0-9A-Za-z][0-9A-Za-z-]{0,63}$/;
const PREFIX = /^[a-z][a-z0-9]{0,5}$/;
/** Linux's IFNAMSIZ minus the terminating NUL. */
const IFNAME_MAX = 15;

/**
 * Every name the driver gives to something on the host. Devices inside the driver's own
 * namespaces follow Neutron (`brq`, `tap`, `qr-`, `qg-`, `ns-` plus the first 11 characters of
 * the id); namespaces and the few things in the host's own namespace start with the cloud's
 * prefix, so two clouds on one host never meet and purge finds only its own.
 */
export class Names {
  readonly intNs: string;
  readonly uplinkHostPrefix: string;
  readonly uplinkTable: string;
  private readonly dhcpNsPrefix: string;
  private readonly routerNsPrefix: string;

  constructor(readonly prefix: string) {
    if (!PREFIX.test(prefix)) throw new NetworkBackendError(`Network driver prefix ${JSON.stringify(prefix)} must be 1-6 lowercase letters or digits, starting with a letter.`);
    this.intNs = `${prefix}-int`;
    this.uplinkHostPrefix = `${prefix}-pub`;
    this.uplinkTable = `${prefix}-uplink`;
    this.dhcpNsPrefix = `${prefix}-dhcp-`;
    this.routerNsPrefix = `${prefix}-qrouter-`;
  }

  dhcpNs(networkId: string): string {
    return this.dhcpNsPrefix + checkId(networkId);
  }

  routerNs(routerId: string): string {
    return this.routerNsPrefix + checkId(routerId);
  }

  bridge(networkId: string): string {
    return `brq${short(networkId)}`;
  }

  tap(portId: string): string {
    return `tap${short(portId)}`;
  }

  dhcpDevice(portId: string): string {
    return `ns-${short(portId)}`;
  }

  routerInterface(portId: string): string {
    return `qr-${short(portId)}`;
  }

  routerGateway(portId: string): string {
    return `qg-${short(portId)}`;
  }

  /** The host's end of a network's uplink: as much of the id as fits after the prefix. */
  uplinkHost(networkId: string): string {
    return (this.uplinkHostPrefix + checkId(networkId).replaceAll('-', '')).slice(0, IFNAME_MAX);
  }

  /** The uplink's end on the network's bridge, in the integration namespace. */
  uplinkPeer(networkId: string): string {
    return `pub${short(networkId)}`;
  }

  networkOfDhcpNs(ns: string): string | null {
    return ns.startsWith(this.dhcpNsPrefix) ? ns.slice(this.dhcpNsPrefix.length) : null;
  }

  routerOfNs(ns: string): string | null {
    return ns.startsWith(this.routerNsPrefix) ? ns.slice(this.routerNsPrefix.length) : null;
  }
}

export function checkId(id: string): string {
  if (!SAFE_ID.test(id)) throw new NetworkBackendError(`Id ${JSON.stringify(id)} cannot name host resources.`);
  return id;
}

function short(id: string): string {
  return checkId(id).slice(0, 11);
}
