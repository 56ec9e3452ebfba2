import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { startCloud, type AuthEnv, type CliResult, type Cloud } from './harness.ts';

// The real S3 clients users run, against a test cloud's object listener. Debian's packages are
// used by absolute path: a pyenv or pip install earlier in PATH would be a different client.
const PYTHON = '/usr/bin/python3';
const AWS = '/usr/bin/aws';
const S3CMD = '/usr/bin/s3cmd';
const REGION = 'RegionOne';
const timeoutMs = 120_000;

/** An EC2 credential: the S3 access key pair of a user on a project. */
export interface S3Keys {
  access: string;
  secret: string;
  projectId: string;
  userId: string;
}

/** `openstack ec2 credentials create` as `who` (a clouds.yaml entry or explicit auth). */
export async function ec2Credentials(cloud: Cloud, who: string | AuthEnv = 'sovcloud-admin'): Promise<S3Keys> {
  const created = await cloud.osJson<{ access: string; secret: string; project_id: string; user_id: string }>(who, ['ec2', 'credentials', 'create']);
  return { access: created.access, secret: created.secret, projectId: created.project_id, userId: created.user_id };
}

/** A new project with a new user holding `member` on it, for tests that need a stranger. */
export async function projectMember(cloud: Cloud, name: string): Promise<{ auth: AuthEnv; projectId: string; userId: string }> {
  const password = `${name}-secret-pass`;
  const project = await cloud.osJson<{ id: string }>('sovcloud-admin', ['project', 'create', name]);
  const user = await cloud.osJson<{ id: string }>('sovcloud-admin', ['user', 'create', '--project', name, '--password', password, `${name}-user`]);
  const r = await cloud.os('sovcloud-admin', ['role', 'add', '--project', name, '--user', `${name}-user`, 'member']);
  assert.equal(r.code, 0, `role add: ${r.stderr}`);
  const auth: AuthEnv = {
    OS_AUTH_URL: `${cloud.url}/identity/v3`, OS_USERNAME: `${name}-user`, OS_PASSWORD: password,
    OS_PROJECT_NAME: name, OS_USER_DOMAIN_NAME: 'Default', OS_PROJECT_DOMAIN_NAME: 'Default',
  };
  return { auth, projectId: project.id, userId: user.id };
}

/** What an object storage test file starts from: a cloud without project defaults, the admin's S3 keys, a scratch dir. */
export interface S3Setup {
  cloud: Cloud;
  keys: S3Keys;
  work: string;
  teardown(): Promise<void>;
}

export async function s3Setup(): Promise<S3Setup> {
  const cloud = await startCloud(['--no-project-defaults']);
  try {
    const keys = await ec2Credentials(cloud);
    const work = await mkdtemp(join(tmpdir(), 'sovcloud-s3-'));
    return { cloud, keys, work, async teardown() {
      await cloud.stop();
      await rm(work, { recursive: true, force: true });
    } };
  } catch (err) {
    await cloud.stop();
    throw err;
  }
}

let scratch: Promise<string> | undefined;
/** One private directory per test process: HOME for the clients and their config files. */
function scratchDir(): Promise<string> {
  scratch ??= mkdtemp(join(tmpdir(), 'sovcloud-s3-clients-'));
  return scratch;
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv, stdin?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(new Error(`${file} ${args.join(' ')} did not run: ${error.message}\n${stderr}`, { cause: error }));
        return;
      }
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
    child.stdin?.end(stdin);
  });
}

/** Only what the clients need: no AWS_* or OS_* of the caller, no user configuration. */
async function cleanEnv(extra: Record<string, string>): Promise<NodeJS.ProcessEnv> {
  const home = await scratchDir();
  return { PATH: '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8', ...extra };
}

export interface Boto3Options {
  /** `path` (default) or `virtual` (the bucket in the Host; needs an endpoint whose subdomains resolve). */
  addressing?: 'path' | 'virtual';
  /** `s3v4` (default) or `s3` (signature version 2). */
  signature?: 's3v4' | 's3';
  /** Defaults to the cloud's object listener. */
  endpoint?: string;
}

// The script runs with these names bound:
//   s3      a boto3 S3 client for the keys
//   args    the JSON value passed in
//   client(**overrides)   another client (keys: endpoint, access, secret, addressing, signature)
//   error(fn, *a, **kw)   calls fn expecting a ClientError; returns {Code, Message, Status, Error, Headers}
//   raw(method, path, query='', headers=None, body=b'', host=None, sign=True)
//           a SigV4-signed (or unsigned) request sent as is, with any Host header; returns
//           {status, headers (lower-case names), body (text)}
// and must leave its answer in `result` (JSON-serialisable; datetimes become ISO text, bytes text).
const PRELUDE = String.raw`
import datetime, http.client, json, os, sys, traceback, urllib.parse
import boto3
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

_inp = json.loads(sys.stdin.read())
_cfg = _inp['client']
args = _inp['args']

def client(**over):
    c = {**_cfg, **over}
    return boto3.client('s3', endpoint_url=c['endpoint'], aws_access_key_id=c['access'],
                        aws_secret_access_key=c['secret'], region_name='${REGION}',
                        config=Config(signature_version=c['signature'], s3={'addressing_style': c['addressing']},
                                      retries={'max_attempts': 1}))

s3 = client()

def error(fn, *a, **kw):
    try:
        r = fn(*a, **kw)
    except ClientError as e:
        err = e.response.get('Error', {})
        meta = e.response.get('ResponseMetadata', {})
        return {'Code': err.get('Code'), 'Message': err.get('Message'), 'Status': meta.get('HTTPStatusCode'),
                'Error': err, 'Headers': meta.get('HTTPHeaders', {})}
    raise AssertionError('expected a ClientError, got %r' % (r,))

def raw(method, path, query='', headers=None, body=b'', host=None, sign=True):
    u = urllib.parse.urlsplit(_cfg['endpoint'])
    hdrs = dict(headers or {})
    hdrs['Host'] = host or u.netloc
    if isinstance(body, str):
        body = body.encode()
    target = path + ('?' + query if query else '')
    if sign:
        req = AWSRequest(method=method, url='http://' + hdrs['Host'] + target, data=body, headers=hdrs)
        S3SigV4Auth(Credentials(_cfg['access'], _cfg['secret']), 's3', '${REGION}').add_auth(req)
        hdrs = dict(req.headers.items())
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    conn.request(method, target, body=body, headers=hdrs)
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return {'status': r.status, 'headers': {k.lower(): v for k, v in r.getheaders()}, 'body': data.decode('utf-8', 'replace')}

def _plain(o):
    if isinstance(o, (datetime.datetime, datetime.date)):
        return o.isoformat()
    if isinstance(o, (bytes, bytearray)):
        return o.decode('utf-8', 'replace')
    if hasattr(o, 'read'):
        return o.read().decode('utf-8', 'replace')
    return repr(o)
`;

const EPILOGUE = `
print(json.dumps(result, default=_plain))
`;

/**
 * Runs a boto3 snippet (see PRELUDE for what it may use) and returns its `result`. A Python
 * exception fails the test with the traceback.
 */
export async function boto3<T = any>(cloud: Cloud, keys: S3Keys, script: string, args: unknown = null, options: Boto3Options = {}): Promise<T> {
  const input = {
    client: {
      endpoint: options.endpoint ?? cloud.objectUrl, access: keys.access, secret: keys.secret,
      addressing: options.addressing ?? 'path', signature: options.signature ?? 's3v4',
    },
    args,
  };
  // Read from a file so tracebacks name the snippet's lines.
  const file = join(await scratchDir(), `snippet-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.py`);
  await writeFile(file, `${PRELUDE}\nresult = None\n${script}\n${EPILOGUE}`);
  const r = await run(PYTHON, [file], await cleanEnv({}), JSON.stringify(input));
  assert.equal(r.code, 0, `boto3 snippet failed (${file}):\n${r.stderr}\n--- script ---\n${script}`);
  try {
    return JSON.parse(r.stdout) as T;
  } catch (error) {
    throw new Error(`boto3 snippet printed no JSON: ${r.stdout}\nstderr: ${r.stderr}`, { cause: error });
  }
}

/** `aws --endpoint-url ... ARGS` (awscli v2) with the keys; output JSON. */
export async function aws(cloud: Cloud, keys: S3Keys, args: string[]): Promise<CliResult> {
  const env = await cleanEnv({
    AWS_ACCESS_KEY_ID: keys.access, AWS_SECRET_ACCESS_KEY: keys.secret, AWS_DEFAULT_REGION: REGION,
    AWS_EC2_METADATA_DISABLED: 'true', AWS_PAGER: '',
  });
  return run(AWS, ['--endpoint-url', cloud.objectUrl, '--no-cli-pager', '--output', 'json', ...args], env);
}

/** `aws ...` that must succeed; parses its JSON output (undefined when it printed nothing). */
export async function awsJson<T = any>(cloud: Cloud, keys: S3Keys, args: string[]): Promise<T> {
  const r = await aws(cloud, keys, args);
  assert.equal(r.code, 0, `aws ${args.join(' ')} exited ${r.code}\nstderr: ${r.stderr}\nstdout: ${r.stdout}`);
  return (r.stdout.trim() ? JSON.parse(r.stdout) : undefined) as T;
}

/** `s3cmd -c CONFIG ARGS`, path-style against the object listener, SigV4 unless `signatureV2`. */
export async function s3cmd(cloud: Cloud, keys: S3Keys, args: string[], options: { signatureV2?: boolean } = {}): Promise<CliResult> {
  const host = new URL(cloud.objectUrl).host;
  const config = join(await scratchDir(), `s3cfg-${keys.access}-${options.signatureV2 ? 'v2' : 'v4'}`);
  await writeFile(config, [
    '[default]',
    `access_key = ${keys.access}`,
    `secret_key = ${keys.secret}`,
    `host_base = ${host}`,
    // Without %(bucket)s in host_bucket s3cmd addresses buckets path-style.
    `host_bucket = ${host}`,
    `bucket_location = ${REGION}`,
    'use_https = False',
    `signature_v2 = ${options.signatureV2 ? 'True' : 'False'}`,
    'check_ssl_certificate = False',
    'guess_mime_type = False',
    'progress_meter = False',
    '',
  ].join('\n'));
  return run(S3CMD, ['-c', config, ...args], await cleanEnv({}));
}

export interface CurlResult {
  status: number;
  /** Interim answers before the final one, e.g. 100 for `Expect: 100-continue`. */
  interim: number[];
  /** Lower-case names. */
  headers: Record<string, string>;
  body: string;
}

/**
 * `curl -s -i ARGS` (plain HTTP, e.g. a presigned URL): the final answer's status, headers and
 * body, after any interim answers (`100 Continue`).
 */
export function curl(args: string[]): Promise<CurlResult> {
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/curl', ['-s', '-i', ...args], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout) => {
      if (error) return reject(error);
      let rest = stdout;
      const interim: number[] = [];
      while (/^HTTP\/[\d.]+ 1\d\d /.test(rest)) {
        interim.push(Number(rest.split(' ')[1]));
        rest = rest.slice(rest.indexOf('\r\n\r\n') + 4);
      }
      const end = rest.indexOf('\r\n\r\n');
      const lines = rest.slice(0, end).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ status: Number(lines[0]!.split(' ')[1]), interim, headers, body: rest.slice(end + 4) });
    });
  });
}
