import { createHash, randomUUID } from 'node:crypto';

/** How long a console URL can be used, as Nova's `[consoleauth] token_ttl`. */
export const TOKEN_TTL_MS = 10 * 60 * 1000;

const digest = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * The tokens in console URLs, as nova-consoleauth keeps them: random, bound to one instance,
 * short-lived, and here also single-use, since a URL may end up in a browser's history or a log.
 * Only their hashes are kept, in memory: a restart invalidates every URL handed out.
 */
export class ConsoleTokens {
  private readonly tokens = new Map<string, { instanceId: string; expires: number }>();

  constructor(private readonly clock: () => number = Date.now, private readonly ttlMs = TOKEN_TTL_MS) {}

  issue(instanceId: string): string {
    const now = this.clock();
    for (const [hash, t] of this.tokens) if (t.expires <= now) this.tokens.delete(hash);
    const token = randomUUID();
    this.tokens.set(digest(token), { instanceId, expires: now + this.ttlMs });
    return token;
  }

  /** The instance the token was issued for, once; null for an unknown, used or expired token. */
  redeem(token: string): string | null {
    const hash = digest(token);
    const found = this.tokens.get(hash);
    this.tokens.delete(hash);
    return found !== undefined && found.expires > this.clock() ? found.instanceId : null;
  }
}
