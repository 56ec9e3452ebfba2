import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { authenticateS3 } from './authenticate.ts';

// s3cmd signs differently from botocore (its own key quoting, SigV2 for some servers, x-amz-date
// in RFC 1123 form with SigV2): run the real client against a listener that authenticates every
// request and answers just enough for s3cmd to carry on.

const S3CMD = '/usr/bin/s3cmd';
const ACCESS_KEY = 'AKIDS3CMD';
const SECRET = 's3cmd/secret+key';
const ODD_KEY = "dir/a b+c=d~e!*'()$&,;:@ü€%/x";

interface Seen {
  request: string;
  outcome: string;
}

async function serve(seen: Seen[]) {
  const server = createServer(async (req, res) => {
    for await (const _chunk of req) void _chunk;
    const url = req.url!;
    const q = url.indexOf('?');
    try {
      const auth = await authenticateS3(
        { method: req.method!, rawPath: q < 0 ? url : url.slice(0, q), rawQuery: q < 0 ? '' : url.slice(q + 1), headers: req.headersDistinct },
        async (key) => (key === ACCESS_KEY ? SECRET : undefined),
      );
      seen.push({ request: `${req.method} ${url}`, outcome: auth ? `ok ${header(req)}` : 'anonymous' });
    } catch (err) {
      seen.push({ request: `${req.method} ${url}`, outcome: `${(err as Error).message} ${JSON.stringify((err as { extra?: unknown }).extra)}` });
      res.statusCode = 403;
      return res.end('<Error><Code>SignatureDoesNotMatch</Code></Error>');
    }
    res.setHeader('Content-Type', 'application/xml');
    res.setHeader('ETag', '"5d41402abc4b2a76b9719d911017c592"');
    res.setHeader('Last-Modified', new Date().toUTCString());
    if (url.includes('?location')) return res.end('<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">us-east-1</LocationConstraint>');
    if (req.method === 'GET' && /^\/bkt\/?(\?|$)/.test(url)) {
      return res.end('<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>bkt</Name><IsTruncated>false</IsTruncated></ListBucketResult>');
    }
    res.end(req.method === 'GET' ? 'hello' : '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

function header(req: IncomingMessage): string {
  return String(req.headers.authorization ?? 'presigned').split(' ')[0]!;
}

test('requests made by s3cmd, with SigV4 and SigV2, all authenticate', { skip: !existsSync(S3CMD) && 's3cmd is not installed', timeout: 120_000 }, async () => {
  const seen: Seen[] = [];
  const server = await serve(seen);
  const dir = mkdtempSync(join(tmpdir(), 's3cmd-auth-'));
  try {
    const { port } = server.address() as AddressInfo;
    const config = (v2: boolean) => [
      '[default]', `access_key = ${ACCESS_KEY}`, `secret_key = ${SECRET}`, `host_base = 127.0.0.1:${port}`, `host_bucket = 127.0.0.1:${port}`,
      'use_https = False', `signature_v2 = ${v2 ? 'True' : 'False'}`, 'bucket_location = us-east-1', '',
    ].join('\n');
    writeFileSync(join(dir, 'v4.cfg'), config(false));
    writeFileSync(join(dir, 'v2.cfg'), config(true));
    writeFileSync(join(dir, 'file'), 'hello');
    const s3cmd = (cfg: string, ...args: string[]) => promisify(execFile)(S3CMD, ['-c', join(dir, cfg), ...args], { timeout: 30_000 }).catch(() => undefined);
    for (const cfg of ['v4.cfg', 'v2.cfg']) {
      await s3cmd(cfg, 'put', join(dir, 'file'), `s3://bkt/${ODD_KEY}`);
      await s3cmd(cfg, '--add-header=x-amz-meta-note: a note ', '--mime-type=text/plain', 'put', join(dir, 'file'), 's3://bkt/k2');
      await s3cmd(cfg, 'ls', 's3://bkt/a b+c/');
      await s3cmd(cfg, 'get', '--force', `s3://bkt/${ODD_KEY}`, join(dir, 'got'));
      await s3cmd(cfg, 'setacl', '--acl-public', 's3://bkt/k2');
    }
    const signed = (await promisify(execFile)(S3CMD, ['-c', join(dir, 'v4.cfg'), 'signurl', `s3://bkt/${ODD_KEY}`, '+600'])).stdout.trim().split('\n').pop()!;
    await new Promise<void>((resolve, reject) => get(signed, (res) => res.resume().on('end', resolve)).on('error', reject));

    const failures = seen.filter((s) => !s.outcome.startsWith('ok'));
    assert.deepEqual(failures, []);
    const schemes = new Set(seen.map((s) => s.outcome));
    assert.ok(schemes.has('ok AWS4-HMAC-SHA256') && schemes.has('ok AWS') && schemes.has('ok presigned'), [...schemes].join(', '));
    assert.ok(seen.some((s) => s.request.startsWith('PUT /bkt/dir/a%20b%2Bc%3Dd~e%21')), seen.map((s) => s.request).join('\n'));
    assert.ok(seen.length >= 11, `only ${seen.length} requests`);
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
