import type { AuthContext } from '../../platform/auth.ts';
import type { Db } from '../../platform/db/index.ts';
import type { PolicyEngine } from '../../platform/policy/engine.ts';
import { Controller, type Peers } from './controller.ts';
import { isAdmin, type ComputeDeps, type Logger } from './deps.ts';
import type { ComputeDriver } from './driver.ts';
import { Flavors } from './flavors.ts';
import { Hosts } from './hosts.ts';
import { ActionRecorder, InstanceActions } from './instance-actions.ts';
import { Keypairs } from './keypairs.ts';
import { computePolicies } from './policies.ts';
import { Quotas } from './quotas.ts';
import { RemoteConsoles } from './remote-consoles.ts';
import { ServerActions } from './server-actions.ts';
import { ServerData } from './server-data.ts';
import { ServerGroups } from './server-groups.ts';
import type { InterfaceAttachment } from './peers.ts';
import { SecurityGroups } from './security-groups.ts';
import { Servers } from './servers.ts';
import { MetadataService } from './metadata-service.ts';

export type { ComputeDriver } from './driver.ts';
export type { Peers } from './controller.ts';

/** Nova v2.1: the public interface the HTTP layer uses. */
export interface ComputeService {
  flavors: Flavors;
  keypairs: Keypairs;
  quotas: Quotas;
  serverGroups: ServerGroups;
  hosts: Hosts;
  servers: Servers;
  actions: ServerActions;
  data: ServerData;
  securityGroups: SecurityGroups;
  instanceActions: InstanceActions;
  metadata: MetadataService;
  consoles: RemoteConsoles;
  volumeAttachments(serverId: string): Promise<{ volumeId: string; device: string; tag: string | null; deleteOnTermination: boolean }[]>;
  interfaces(serverId: string): Promise<InterfaceAttachment[]>;
  isAdmin(ctx: AuthContext): boolean;
  /**
   * Creates the SCS standard flavors (scs-0103), probes the host, registers it with placement and
   * reconciles every server with what runs; call before serving.
   */
  start(): Promise<void>;
  idle(): Promise<void>;
  stop(): void;
}

export interface ComputeOptions {
  driver: ComputeDriver;
  peers: Peers;
  /** This compute host's name (placement provider, `OS-EXT-SRV-ATTR:host`). */
  host: string;
  log: Logger;
}

export function createComputeService(db: Db, policy: PolicyEngine, o: ComputeOptions): ComputeService {
  policy.registerDefaults(computePolicies());
  const d: ComputeDeps = { db, policy, log: o.log };
  const flavors = new Flavors(d);
  const quotas = new Quotas(d);
  const hosts = new Hosts(d, o.driver);
  const recorder = new ActionRecorder(d, o.host);
  const controller = new Controller(d, o.driver, o.peers, o.host, recorder);
  const servers = new Servers(d, quotas, controller, o.peers, recorder);
  return {
    flavors, quotas, hosts, servers,
    keypairs: new Keypairs(d, quotas),
    serverGroups: new ServerGroups(d, quotas),
    actions: new ServerActions(d, servers, quotas, controller, o.driver, o.peers, o.host, recorder),
    data: new ServerData(d, servers, quotas),
    securityGroups: new SecurityGroups(d, servers, o.peers.network),
    instanceActions: new InstanceActions(d, servers),
    metadata: new MetadataService(d, o.peers.network),
    consoles: new RemoteConsoles(d, servers, o.driver),
    async volumeAttachments(serverId) {
      const rows = await db.selectFrom('block_device_mappings').selectAll().where('instance_id', '=', serverId).orderBy('created_at').execute();
      return rows.map((b) => ({ volumeId: b.volume_id, device: b.device_name, tag: b.tag, deleteOnTermination: b.delete_on_termination === 1 }));
    },
    interfaces: (serverId) => o.peers.network.interfaces(serverId),
    isAdmin: (ctx) => isAdmin(d, ctx),
    async start() {
      await flavors.bootstrap();
      await hosts.start();
      await controller.start(hosts.node);
    },
    idle: () => controller.idle(),
    stop: () => controller.stop(),
  };
}
