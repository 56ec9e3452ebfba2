import { homedir } from 'node:os';
import { join } from 'node:path';

export interface Endpoint {
  host: string;
  port: number;
}

export interface Config {
  stateDir: string;
  listen: Endpoint;
  objectListen: Endpoint;
  /** Base URL published in the catalog, e.g. `http://127.0.0.1:8770`. */
  publicUrl: string;
  /** Base URL of the object listener (S3 at its root, Swift under `/swift`). */
  objectUrl: string;
  tokenLifetimeSeconds: number;
  /** Roles a domain manager may assign and revoke inside its domain (scs-0302). */
  domainManagedRoles: string[];
  logLevel: string;
  objectStorage: {
    /**
     * The length of a lifecycle "day". Only tests shorten it (`SOVCLOUD_LC_DAY_SECONDS`), as
     * RGW's `rgw_lc_debug_interval` does.
     */
    lifecycleDayMs: number;
  };
  network: {
    /** The external network `public`: a range that exists only on this cloud's own bridge. */
    publicCidr: string;
    /** Give every new project a network, router and `ssh-icmp` group. */
    projectDefaults: boolean;
    projectCidr: string;
  };
}

export function parseEndpoint(value: string): Endpoint {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new Error(`expected HOST:PORT, got '${value}'`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

function urlHost(host: string): string {
  if (host.includes(':')) return `[${host}]`;
  return host === '0.0.0.0' ? '127.0.0.1' : host;
}

export interface ConfigOptions {
  stateDir?: string;
  listen?: string;
  objectListen?: string;
  publicCidr?: string;
  projectDefaults?: boolean;
}

export function makeConfig(options: ConfigOptions): Config {
  const listen = parseEndpoint(options.listen ?? '127.0.0.1:8770');
  const objectListen = parseEndpoint(options.objectListen ?? '127.0.0.1:8780');
  return {
    stateDir: options.stateDir ?? join(homedir(), '.local', 'share', 'sovcloud'),
    listen,
    objectListen,
    publicUrl: `http://${urlHost(listen.host)}:${listen.port}`,
    objectUrl: `http://${urlHost(objectListen.host)}:${objectListen.port}`,
    objectStorage: { lifecycleDayMs: Number(process.env.SOVCLOUD_LC_DAY_SECONDS ?? 86_400) * 1000 },
    tokenLifetimeSeconds: 3600,
    domainManagedRoles: ['reader', 'member', 'load-balancer_member'],
    logLevel: process.env.SOVCLOUD_LOG_LEVEL ?? 'info',
    // RFC 5737 TEST-NET-2: never routed on the Internet, so nothing can leak to a real network.
    // (TEST-NET-3 is taken by some sandboxes for their package mirrors, which a host route to
    // our uplink would hijack; the driver refuses any CIDR the host already routes elsewhere.)
    network: { publicCidr: options.publicCidr ?? '198.51.100.0/24', projectDefaults: options.projectDefaults ?? true, projectCidr: '10.0.0.0/24' },
  };
}
