import type { Duplex } from 'node:stream';
import type { AuthContext } from '../../platform/auth.ts';
import { Unauthorized } from '../../platform/errors.ts';
import { ConsoleTokens } from './console-tokens.ts';
import { badRequest, conflict, enforce, type ComputeDeps } from './deps.ts';
import type { ComputeDriver } from './driver.ts';
import type { Servers } from './servers.ts';

/**
 * Interactive consoles, as Nova's `os-remote-consoles`: only the serial console exists here (no
 * graphics). A URL carries a token from `open`; the websocket proxy trades it for the stream.
 */
export class RemoteConsoles {
  constructor(
    private readonly d: ComputeDeps,
    private readonly servers: Servers,
    private readonly driver: ComputeDriver,
    private readonly tokens = new ConsoleTokens(),
  ) {}

  /** A token for the server's console of `protocol` and `type` (both among Nova's names). */
  async open(ctx: AuthContext, id: string, protocol: string, type: string): Promise<string> {
    const row = await this.servers.row(ctx, id);
    enforce(this.d, ctx, 'os_compute_api:os-remote-consoles', { project_id: row.project_id });
    // Nova's words: a disabled console kind is "unavailable", a wrong type for serial "invalid".
    if (protocol !== 'serial') throw badRequest(`Unavailable console type ${type}.`);
    if (type !== 'serial') throw badRequest(`Invalid console type ${type}`);
    if (row.vm_state !== 'active') throw conflict(`Instance ${id} is not ready`);
    return this.tokens.issue(id);
  }

  /** The serial console stream a token from `open` stands for; the token is spent. */
  async connect(token: string): Promise<Duplex> {
    const id = this.tokens.redeem(token);
    if (id === null) throw new Unauthorized('The console token is unknown, used or expired.');
    return this.driver.connectSerial(id);
  }
}
