import type { AuthContext } from '../../platform/auth.ts';
import { enforce, type ComputeDeps } from './deps.ts';
import type { NetworkPeer } from './peers.ts';
import type { Servers } from './servers.ts';

/** A server's security groups, which live on its Neutron ports (Nova only proxies them). */
export class ServerSecurityGroups {
  constructor(private readonly d: ComputeDeps, private readonly servers: Servers, private readonly network: NetworkPeer) {}

  async ofServer(ctx: AuthContext, id: string): Promise<Record<string, unknown>[]> {
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
}
