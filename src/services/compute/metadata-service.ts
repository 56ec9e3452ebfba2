import { type ComputeDeps } from './deps.ts';
import { metadataAnswer } from './metadata.ts';
import type { NetworkPeer } from './peers.ts';

/**
 * Nova's metadata API for guests, behind the network's metadata proxy: the proxy tells which
 * network a request came from and the guest's address, which together name the server.
 */
export class MetadataService {
  constructor(private readonly d: ComputeDeps, private readonly network: NetworkPeer) {}

  /** The answer for `path`, or undefined (404) when no server has that address or the path does not exist. */
  async answer(networkId: string, ip: string, path: string): Promise<string | Buffer | undefined> {
    const serverId = await this.network.serverAt(networkId, ip);
    if (!serverId) return undefined;
    const row = await this.d.db.selectFrom('instances').selectAll().where('id', '=', serverId).executeTakeFirst();
    if (!row) return undefined;
    return metadataAnswer(row, path, ip, await this.network.networkData(serverId));
  }
}
