import type { AuthContext } from '../../platform/auth.ts';
import type { Db } from '../../platform/db/index.ts';
import { BadRequest, Conflict, NotFound, SovError } from '../../platform/errors.ts';
import type { Logger } from '../../platform/log.ts';
import type { PolicyEngine, Target } from '../../platform/policy/engine.ts';
import { isoSeconds } from '../../platform/time.ts';
import type { VifDetails } from './driver.ts';

export type { Logger } from '../../platform/log.ts';

/** Deployment choices of the network service, from the composition root. */
export interface NetworkSettings {
  /** Where the shared external network `public` lives; the host holds `gatewayIp` on it. */
  publicCidr: string;
  /** Create a network, subnet, router and `ssh-icmp` group in every new project. */
  projectDefaults: boolean;
  /** The CIDR of each new project's default subnet. */
  projectCidr: string;
  dnsDomain: string;
}

/** Asks the controller to bring the data plane in line with the database for one object. */
export interface Dataplane {
  network(id: string): void;
  router(id: string): void;
  firewall(): void;
  /** Where a guest's device for a port on the network is plugged (the driver's answer). */
  vifDetails(networkId: string): VifDetails;
}

/** What every network module is built from; wired once in index.ts. */
export interface NetworkDeps {
  db: Db;
  policy: PolicyEngine;
  settings: NetworkSettings;
  dataplane: Dataplane;
  log: Logger;
}

export const AVAILABILITY_ZONE = 'nova';

/** Neutron's fault `type` (e.g. `NetworkNotFound`) travels with the error to the NeutronError body. */
export interface Typed {
  neutronType: string;
}

function typed<T extends SovError>(e: T, type: string): T & Typed {
  return Object.assign(e, { neutronType: type });
}

export const notFound = (type: string, message: string) => typed(new NotFound(message), type);
export const conflict = (type: string, message: string) => typed(new Conflict(message), type);
export const badRequest = (message: string, type = 'HTTPBadRequest') => typed(new BadRequest(message), type);
export const invalidInput = (message: string) => badRequest(`Invalid input for operation: ${message}.`, 'InvalidInput');

export function enforce(d: NetworkDeps, ctx: AuthContext, action: string, target: Target = {}): void {
  d.policy.enforce(action, ctx.credentials, target);
}

export function isAdmin(d: NetworkDeps, ctx: AuthContext): boolean {
  return d.policy.check('context_is_admin', ctx.credentials, {});
}

/** The project a request acts for; Neutron accepts domain-less project tokens only. */
export function callerProject(ctx: AuthContext): string {
  return ctx.scope.kind === 'project' ? ctx.scope.project.id : '';
}

/** Neutron timestamps have whole seconds and a `Z`. */
export function now(): string {
  return isoSeconds(new Date());
}

export const json = <T>(text: string): T => JSON.parse(text) as T;
export const flag = (b: boolean): number => (b ? 1 : 0);

/** The project a create request is for: admins may name another (`project_id`/`tenant_id`). */
export function ownerFor(d: NetworkDeps, ctx: AuthContext, body: { project_id?: unknown; tenant_id?: unknown }): string {
  const asked = body.project_id ?? body.tenant_id;
  if (asked === undefined || asked === callerProject(ctx)) return callerProject(ctx);
  if (typeof asked !== 'string') throw invalidInput(`'${String(asked)}' is not a valid project id`);
  if (!isAdmin(d, ctx)) throw badRequest('Specifying \'project_id\' or \'tenant_id\' other than the authenticated project in request requires admin privileges');
  return asked;
}
