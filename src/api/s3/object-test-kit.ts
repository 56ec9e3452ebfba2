import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SealingKey } from '../../platform/crypto.ts';
import { openDatabase, type Db } from '../../platform/db/index.ts';
import { createObjectStorage, type ObjectStorage } from '../../services/object-storage/index.ts';
import type { Caller } from '../../services/object-storage/types.ts';
import { anonymousPayload } from './auth/authenticate.ts';
import { readSmallBody } from './body.ts';
import type { S3Call } from './context.ts';
import { toS3Error } from './errors.ts';
import { s3Routes } from './routes.ts';
import type { S3Error } from './s3-error.ts';

// Runs S3 operations against the real object layer (SQLite in memory, data in a temp dir)
// without HTTP: a request is headers, query and body; the answer is what the operation put on
// the reply, or the S3 error it threw.

export interface Answer {
  status: number;
  headers: Record<string, string>;
  /** The body as text (a streamed body is read whole). */
  body: string;
}

export interface ObjectRequest {
  caller?: Caller;
  bucket?: string;
  key?: string;
  query?: string;
  headers?: IncomingHttpHeaders;
  body?: string | Buffer;
}

export class ObjectStage {
  private constructor(readonly store: ObjectStorage, private readonly db: Db, private readonly dir: string) {}

  static async open(): Promise<ObjectStage> {
    const dir = await mkdtemp(join(tmpdir(), 'sov-s3-ops-'));
    const db = await openDatabase(':memory:');
    const quiet = { info: () => {}, warn: () => {}, error: () => {} };
    const store = createObjectStorage(db, { dir, masterKey: new SealingKey(randomBytes(32)), log: quiet });
    await store.start();
    store.stop();
    return new ObjectStage(store, db, dir);
  }

  async close(): Promise<void> {
    await this.db.destroy();
    await rm(this.dir, { recursive: true, force: true });
  }

  /** `"<METHOD> <level> <subresource>"` as routed; throws the S3 error the operation raised. */
  async call(route: string, r: ObjectRequest): Promise<Answer> {
    const operation = s3Routes[route];
    if (!operation) throw new Error(`no S3 operation for ${route}`);
    const headers: IncomingHttpHeaders = { ...r.headers };
    const data = r.body === undefined ? Buffer.alloc(0) : Buffer.from(r.body);
    if (r.body !== undefined) headers['content-length'] ??= String(data.length);
    const reply = new RecordingReply();
    const method = route.split(' ')[0]!;
    // The payload checks a signed request carries, as the plugin derives them (Content-MD5, x-amz-checksum-*, length).
    const { decode, payload } = anonymousPayload({ method, rawPath: '/', rawQuery: r.query ?? '', headers });
    const body = decode(Readable.from(data.length ? [data] : []));
    const call: S3Call = {
      req: { headers, method, protocol: 'http', hostname: 'objects.test' } as unknown as FastifyRequest,
      reply: reply as unknown as FastifyReply,
      objects: this.store,
      caller: r.caller ?? null,
      bucket: r.bucket,
      key: r.key,
      query: new URLSearchParams(r.query ?? ''),
      body,
      payload,
      readBody: (limit) => readSmallBody(body, payload, limit),
      requestId: 'TEST',
    };
    await operation(call);
    return reply.answer();
  }

  /** The S3 error an operation answers with (fails when it succeeds). */
  async fails(route: string, r: ObjectRequest): Promise<S3Error> {
    try {
      await this.call(route, r);
    } catch (err) {
      const s3 = toS3Error(err, { bucket: r.bucket, key: r.key });
      if (!s3) throw err;
      return s3;
    }
    throw new Error(`${route} succeeded where an error was expected`);
  }
}

class RecordingReply {
  private status = 200;
  private readonly headers: Record<string, string> = {};
  private payload: unknown;

  code(status: number): this {
    this.status = status;
    return this;
  }

  header(name: string, value: string): this {
    this.headers[name.toLowerCase()] = value;
    return this;
  }

  getHeader(name: string): string | undefined {
    return this.headers[name.toLowerCase()];
  }

  send(payload?: unknown): this {
    this.payload = payload;
    return this;
  }

  async answer(): Promise<Answer> {
    let body = '';
    if (this.payload instanceof Readable) {
      const chunks: Buffer[] = [];
      for await (const chunk of this.payload) chunks.push(chunk as Buffer);
      body = Buffer.concat(chunks).toString('utf8');
    } else if (this.payload !== undefined) {
      body = String(this.payload);
    }
    return { status: this.status, headers: this.headers, body };
  }
}
