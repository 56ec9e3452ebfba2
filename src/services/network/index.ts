import type { AuthContext } from '../../platform/auth.ts';
import type { Db } from '../../platform/db/index.ts';
import type { PolicyEngine } from '../../platform/policy/engine.ts';
import { Controller } from './controller.ts';
import { ProjectDefaults } from './defaults.ts';
import { DefaultSecurityGroupRules } from './default-security-group-rules.ts';
import type { Logger, NetworkDeps, NetworkSettings } from './deps.ts';
import type { NetworkDriver } from './driver.ts';
import { FloatingIps } from './floating-ips.ts';
import { Networks } from './networks.ts';
import { networkPolicies } from './policies.ts';
import { Ports } from './ports.ts';
import { Quotas } from './quotas.ts';
import { Routers } from './routers.ts';
import { SecurityGroupRules } from './security-group-rules.ts';
import { SecurityGroups } from './security-groups.ts';
import { SubnetPools } from './subnet-pools.ts';
import { Subnets } from './subnets.ts';
import { Tags } from './tags.ts';

export type { NetworkSettings } from './deps.ts';
export type { NetworkDriver } from './driver.ts';
export { QUOTA_DEFAULTS } from './quotas.ts';

/** A Neutron resource as it goes on the wire. */
export type Item = Record<string, unknown> & { id: string };

/** What every Neutron collection offers; the HTTP layer maps its five verbs onto it. */
export interface Collection {
  list(ctx: AuthContext): Promise<Item[]>;
  get(ctx: AuthContext, id: string): Promise<Item>;
  create(ctx: AuthContext, body: Record<string, unknown>): Promise<Item>;
  update(ctx: AuthContext, id: string, body: Record<string, unknown>): Promise<Item>;
  delete(ctx: AuthContext, id: string): Promise<void>;
}

export type Tagged = Tags;

/** Neutron v2: the public interface the HTTP layer and other services (compute) use. */
export interface NetworkService {
  networks: Networks;
  subnets: Subnets;
  subnetPools: SubnetPools;
  ports: Ports;
  routers: Routers;
  floatingIps: FloatingIps;
  securityGroups: SecurityGroups;
  securityGroupRules: SecurityGroupRules;
  defaultSecurityGroupRules: DefaultSecurityGroupRules;
  quotas: Quotas;
  tags: Tags;
  /** Gives a new project its ready network, router and `ssh-icmp` group (when enabled). */
  projectCreated(projectId: string): Promise<void>;
  /** Removes those defaults again when the project is deleted. */
  projectDeleted(projectId: string): Promise<void>;
  /**
   * Seeds the default rules, creates `public` (owned by `adminProject`) and starts converging the
   * data plane to the database in the background; call before serving.
   */
  start(adminProject: string): Promise<void>;
  /** Resolves when the data plane has caught up with every change so far. */
  idle(): Promise<void>;
  stop(): void;
}

export interface NetworkOptions {
  driver: NetworkDriver;
  settings: NetworkSettings;
  log: Logger;
}

export function createNetworkService(db: Db, policy: PolicyEngine, o: NetworkOptions): NetworkService {
  policy.registerDefaults(networkPolicies());
  const controller = new Controller(db, o.driver, o.settings, o.log);
  const d: NetworkDeps = { db, policy, settings: o.settings, dataplane: controller, log: o.log };
  const tags = new Tags(db);
  const quotas = new Quotas(d);
  const defaultSecurityGroupRules = new DefaultSecurityGroupRules(d);
  const securityGroups = new SecurityGroups(d, tags, quotas);
  const securityGroupRules = new SecurityGroupRules(d, securityGroups, quotas);
  const networks = new Networks(d, tags, quotas);
  const ports = new Ports(d, tags, quotas, networks, securityGroups);
  const subnetPools = new SubnetPools(d, tags, quotas);
  const subnets = new Subnets(d, tags, quotas, networks, ports, subnetPools);
  const routers = new Routers(d, tags, quotas, networks, subnets, ports);
  const floatingIps = new FloatingIps(d, tags, quotas, networks, ports);
  const defaults = new ProjectDefaults(d, { networks, subnets, routers, securityGroups, securityGroupRules });
  return {
    networks, subnets, subnetPools, ports, routers, floatingIps, securityGroups, securityGroupRules, defaultSecurityGroupRules, quotas, tags,
    projectCreated: (projectId) => defaults.forProject(projectId),
    projectDeleted: (projectId) => defaults.removeFor(projectId),
    async start(adminProject) {
      await controller.start();
      await defaultSecurityGroupRules.seed();
      await defaults.ensurePublic(adminProject);
    },
    idle: () => controller.idle(),
    stop: () => controller.stop(),
  };
}
