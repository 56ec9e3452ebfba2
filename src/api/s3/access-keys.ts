import type { AuthContext } from '../../platform/auth.ts';
import type { Identity } from '../../services/identity/index.ts';
import { invalidAccessKeyId } from './auth/errors.ts';

/** Long enough to spare the database on a burst of requests, short enough that a revoked key or role stops within it. */
const TTL_MS = 5_000;
const MAX_ENTRIES = 10_000;

interface Entry {
  secret: string;
  userId: string;
  projectId: string | null;
  context?: AuthContext;
  expires: number;
}

/**
 * EC2 credentials as S3 access keys: the secret to check a signature with, then the context
 * the key acts in (its user on its project with the roles held there now). Both are cached
 * briefly; unknown keys are not, so a key works the moment it is created.
 */
export class AccessKeys {
  private readonly cache = new Map<string, Entry>();

  constructor(private readonly identity: Identity, private readonly now: () => number = Date.now) {}

  readonly secretOf = async (access: string): Promise<string | undefined> => (await this.entry(access))?.secret;

  /** The caller behind an authenticated key; InvalidAccessKeyId once the user may no longer act on the project. */
  async context(access: string): Promise<AuthContext> {
    const entry = await this.entry(access);
    if (entry) entry.context ??= await this.identity.tokens.ec2Context({ user_id: entry.userId, tenant_id: entry.projectId });
    if (!entry?.context) throw invalidAccessKeyId(access);
    return entry.context;
  }

  private async entry(access: string): Promise<Entry | undefined> {
    const cached = this.cache.get(access);
    if (cached && cached.expires > this.now()) return cached;
    this.cache.delete(access);
    const credential = await this.identity.credentials.findEc2(access);
    if (!credential) return undefined;
    if (this.cache.size >= MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    const entry: Entry = { secret: credential.secret, userId: credential.user_id, projectId: credential.tenant_id, expires: this.now() + TTL_MS };
    this.cache.set(access, entry);
    return entry;
  }
}
