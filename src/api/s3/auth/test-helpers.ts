import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { S3Error } from '../s3-error.ts';
import type { SignedRequest } from './request.ts';

/** The credentials of AWS's published signature examples. */
export const EXAMPLE_KEY = 'AKIAIOSFODNN7EXAMPLE';
export const EXAMPLE_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
export const EXAMPLE_TIME = new Date('2013-05-24T00:00:00Z');

export const exampleSecrets = async (accessKey: string) => (accessKey === EXAMPLE_KEY ? EXAMPLE_SECRET : undefined);

/** A request from a URL path-and-query and headers given in any case, as Node would present them. */
export function request(method: string, target: string, headers: Record<string, string>, extra: Partial<SignedRequest> = {}): SignedRequest {
  const q = target.indexOf('?');
  const lower: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) lower[name.toLowerCase()] = value;
  return { method, rawPath: q < 0 ? target : target.slice(0, q), rawQuery: q < 0 ? '' : target.slice(q + 1), headers: lower, ...extra };
}

/** Asserts an S3Error with this code (and status), returning it for further checks. */
export async function rejectsWith(promise: Promise<unknown>, code: string, status?: number): Promise<S3Error> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof S3Error, `expected an S3Error, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (status !== undefined) assert.equal(err.status, status);
    return err;
  }
  assert.fail(`expected ${code}, but it succeeded`);
}

/** Feeds `body` in pieces of `piece` bytes (to cross every framing boundary) and collects the output. */
export async function drain(stream: (input: Readable) => Readable, body: Buffer, piece = body.length): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for (let at = 0; at < body.length; at += piece) pieces.push(body.subarray(at, at + piece));
  const out: Buffer[] = [];
  for await (const chunk of stream(Readable.from(pieces, { objectMode: false }))) out.push(chunk as Buffer);
  return Buffer.concat(out);
}
