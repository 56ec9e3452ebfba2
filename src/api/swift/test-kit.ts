import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { projectContext, type AuthContext } from '../../platform/auth.ts';
import { makeConfig } from '../../platform/config.ts';
import { SealingKey } from '../../platform/crypto.ts';
import { openDatabase, type Db } from '../../platform/db/index.ts';
import { Unauthorized } from '../../platform/errors.ts';
import type { Identity } from '../../services/identity/index.ts';
import { createObjectStorage, type ObjectStorage } from '../../services/object-storage/index.ts';
import { buildObjectServer } from '../object-server.ts';

// The Swift wire format through Fastify's inject on the object listener as `up` builds it, on
// the real object layer (SQLite in memory, data in a temp dir), with Keystone's token check
// stubbed: each token below stands for one caller.

export const TOKENS: Record<string, AuthContext> = {
  alice: projectContext('p-alice', ['member'], 'u-alice'),
  aliceReader: projectContext('p-alice', ['reader'], 'u-alice-reader'),
  bob: projectContext('p-bob', ['member'], 'u-bob'),
  admin: projectContext('p-admin', ['admin'], 'u-admin'),
};

export const ALICE = '/swift/v1/AUTH_p-alice';
export const BOB = '/swift/v1/AUTH_p-bob';

export interface Res {
  status: number;
  headers: Record<string, string>;
  body: string;
  raw: Buffer;
}

export interface Req {
  /** A key of TOKENS; null sends no token. Default: alice. */
  token?: string | null;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export class SwiftStage {
  private constructor(readonly app: FastifyInstance, readonly store: ObjectStorage, private readonly db: Db, private readonly dir: string) {}

  static async open(): Promise<SwiftStage> {
    const dir = await mkdtemp(join(tmpdir(), 'sov-swift-'));
    const db = await openDatabase(':memory:');
    const quiet = { info: () => {}, warn: () => {}, error: () => {} };
    const store = createObjectStorage(db, { dir, masterKey: new SealingKey(randomBytes(32)), log: quiet });
    await store.start();
    store.stop();
    const identity = {
      tokens: {
        authenticate: (token: string | undefined) => {
          const ctx = token === undefined ? undefined : TOKENS[token];
          if (!ctx) throw new Unauthorized();
          return ctx;
        },
      },
    } as unknown as Identity;
    const app = await buildObjectServer({ objects: store, identity, config: makeConfig({}) }, pino({ level: 'silent' }));
    return new SwiftStage(app, store, db, dir);
  }

  async close(): Promise<void> {
    await this.app.close();
    await this.db.destroy();
    await rm(this.dir, { recursive: true, force: true });
  }

  async request(method: string, url: string, r: Req = {}): Promise<Res> {
    const token = r.token === undefined ? 'alice' : r.token;
    const headers: Record<string, string> = { ...(token === null ? {} : { 'x-auth-token': token }), ...r.headers };
    if (r.body !== undefined) headers['content-length'] ??= String(Buffer.byteLength(r.body));
    const res = await this.app.inject({ method: method as 'GET', url, headers, payload: r.body });
    return { status: res.statusCode, headers: res.headers as Record<string, string>, body: res.body, raw: res.rawPayload };
  }
}
