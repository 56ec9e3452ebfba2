import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { checksumOf, createDigest } from '../../../services/object-storage/checksums.ts';
import type { ChecksumAlgorithm } from '../../../services/object-storage/types.ts';
import { authenticateS3 } from './authenticate.ts';
import type { SignedRequest } from './request.ts';
import { drain, rejectsWith } from './test-helpers.ts';

// Requests signed by real botocore (Debian's python3-botocore): its S3 client builds and signs
// them exactly as boto3 and the AWS CLI do; a before-send hook captures them instead of sending.

const PYTHON = process.env.SOVCLOUD_BOTOCORE_PYTHON ?? '/usr/bin/python3';
const ACCESS_KEY = 'AKIDBOTOCORE';
const SECRET = 'botocore/secret+key=';
const secrets = async (key: string) => (key === ACCESS_KEY ? SECRET : undefined);

const SCRIPT = String.raw`
import base64, json, sys, botocore.session
from botocore.config import Config

class Captured(Exception):
    pass

def text(value):
    return value.decode() if isinstance(value, bytes) else value

def strip_query_from_auth_path(request, **kwargs):
    # Older botocore (Debian's 1.29) left the operation's query in the SigV2 resource (/bkt?acl?acl), which
    # Amazon S3 refuses too; later versions strip it exactly like this.
    if getattr(request, 'auth_path', None):
        request.auth_path = request.auth_path.split('?')[0]

session = botocore.session.get_session()
out = []
for case in json.load(sys.stdin):
    config = Config(signature_version=case['signature'], s3={'addressing_style': case['style']}, retries={'max_attempts': 0})
    client = session.create_client('s3', region_name=case['region'], endpoint_url=case['endpoint'],
                                   aws_access_key_id=${JSON.stringify(ACCESS_KEY)}, aws_secret_access_key=${JSON.stringify(SECRET)}, config=config)
    params = case['params']
    if 'Body' in params:
        params['Body'] = params['Body'].encode()
    if case.get('presign'):
        url = client.generate_presigned_url(case['operation'], Params=params, ExpiresIn=600, HttpMethod=case.get('method'))
        out.append({'method': case.get('method') or 'GET', 'url': url, 'headers': {}, 'body': ''})
        continue
    captured = {}
    def capture(request, **kwargs):
        body = request.body
        if hasattr(body, 'read'):
            body = body.read()
        captured.update(method=request.method, url=request.url, body=base64.b64encode(body or b'').decode(),
                        headers={name: text(value) for name, value in request.headers.items()})
        raise Captured()
    client.meta.events.register('before-sign.s3', strip_query_from_auth_path)
    client.meta.events.register('before-send.s3', capture)
    try:
        getattr(client, case['operation'])(**params)
    except Captured:
        pass
    out.append(captured)
print(json.dumps(out))
`;

interface Case {
  name: string;
  signature: 's3v4' | 's3';
  operation: string;
  params: Record<string, unknown>;
  style?: 'path' | 'virtual';
  endpoint?: string;
  region?: string;
  presign?: boolean;
  method?: string;
}

interface Captured {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

const ODD_KEY = "dir/a b+c=d~e!*'()$&,;:@ü€%/x";
const objectCases = (signature: Case['signature']): Case[] => [
  { name: 'GET of a plain key', signature, operation: 'get_object', params: { Bucket: 'bkt', Key: 'plain.txt' } },
  { name: 'GET of a key with spaces, +, =, ~, unicode and reserved characters', signature, operation: 'get_object', params: { Bucket: 'bkt', Key: ODD_KEY, Range: 'bytes=0-9' } },
  { name: 'GET with response overrides and a version', signature, operation: 'get_object', params: { Bucket: 'bkt', Key: 'k', VersionId: 'v+1/2', ResponseContentDisposition: 'attachment; filename="a b.txt"' } },
  { name: 'ListObjectsV2 with an odd prefix', signature, operation: 'list_objects_v2', params: { Bucket: 'bkt', Prefix: 'a b+c/ü', Delimiter: '/', StartAfter: 'x=y&z' } },
  { name: 'PUT with metadata, tags, ACL and content type', signature, operation: 'put_object', params: { Bucket: 'bkt', Key: ODD_KEY, Body: 'hello world', ContentType: 'text/plain', Metadata: { note: '  spaced   out  ' }, Tagging: 'a=b&c=d e', ACL: 'public-read' } },
  { name: 'PUT with a CRC32C checksum', signature, operation: 'put_object', params: { Bucket: 'bkt', Key: 'k', Body: 'checked', ChecksumAlgorithm: 'CRC32C' } },
  { name: 'PutObjectTagging (?tagging)', signature, operation: 'put_object_tagging', params: { Bucket: 'bkt', Key: 'k', Tagging: { TagSet: [{ Key: 'a', Value: 'b' }] } } },
  { name: 'GetBucketAcl (?acl)', signature, operation: 'get_bucket_acl', params: { Bucket: 'bkt' } },
  { name: 'DeleteObjects (POST ?delete)', signature, operation: 'delete_objects', params: { Bucket: 'bkt', Delete: { Objects: [{ Key: 'a' }, { Key: 'b c' }] } } },
  { name: 'UploadPart (?partNumber&uploadId)', signature, operation: 'upload_part', params: { Bucket: 'bkt', Key: 'k', UploadId: 'up/load+id', PartNumber: 3, Body: 'part' } },
  { name: 'CopyObject with an odd source', signature, operation: 'copy_object', params: { Bucket: 'bkt', Key: 'copy', CopySource: { Bucket: 'src', Key: ODD_KEY } } },
  { name: 'virtual-hosted GET', signature, operation: 'get_object', style: 'virtual', endpoint: 'http://s3.sovcloud.test:8780', params: { Bucket: 'bkt', Key: ODD_KEY } },
  { name: 'ListBuckets', signature, operation: 'list_buckets', params: {} },
];

const CASES: Case[] = [
  ...objectCases('s3v4'),
  ...objectCases('s3'),
  { name: 'SigV4 in another region', signature: 's3v4', operation: 'get_object', region: 'eu-sov-1', params: { Bucket: 'bkt', Key: 'k' } },
  { name: 'SigV4 over https: unsigned payload with a trailing CRC32', signature: 's3v4', operation: 'put_object', endpoint: 'https://127.0.0.1:8443', params: { Bucket: 'bkt', Key: 'k', Body: 'streamed over TLS', ChecksumAlgorithm: 'CRC32' } },
  { name: 'presigned SigV4 GET of an odd key', signature: 's3v4', operation: 'get_object', presign: true, params: { Bucket: 'bkt', Key: ODD_KEY, ResponseContentType: 'text/plain; charset=utf-8' } },
  { name: 'presigned SigV4 PUT', signature: 's3v4', operation: 'put_object', presign: true, method: 'PUT', params: { Bucket: 'bkt', Key: 'upload me' } },
  { name: 'presigned SigV4 virtual-hosted GET', signature: 's3v4', operation: 'get_object', presign: true, style: 'virtual', endpoint: 'http://s3.sovcloud.test:8780', params: { Bucket: 'bkt', Key: ODD_KEY } },
  { name: 'presigned SigV2 GET of an odd key', signature: 's3', operation: 'get_object', presign: true, params: { Bucket: 'bkt', Key: ODD_KEY, ResponseContentType: 'text/plain' } },
  { name: 'presigned SigV2 PUT with a content type', signature: 's3', operation: 'put_object', presign: true, method: 'PUT', params: { Bucket: 'bkt', Key: 'k', ContentType: 'image/png' } },
  { name: 'presigned SigV2 virtual-hosted GET', signature: 's3', operation: 'get_object', presign: true, style: 'virtual', endpoint: 'http://s3.sovcloud.test:8780', params: { Bucket: 'bkt', Key: 'k' } },
];

const available = existsSync(PYTHON) && (() => {
  try {
    execFileSync(PYTHON, ['-c', 'import botocore'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

function generate(cases: Case[]): Captured[] {
  const input = cases.map((c) => ({ style: 'path', endpoint: 'http://127.0.0.1:8780', region: 'us-east-1', ...c }));
  return JSON.parse(execFileSync(PYTHON, ['-c', SCRIPT], { input: JSON.stringify(input), encoding: 'utf8' })) as Captured[];
}

/** The request as our listener would see it: the raw request target, lower-case headers, Host from the URL. */
function toSignedRequest(captured: Captured, virtual: boolean): SignedRequest {
  const url = /^https?:\/\/([^/]+)(\/[^?]*)(?:\?(.*))?$/.exec(captured.url)!;
  const host = url[1]!;
  const headers: Record<string, string> = { host };
  for (const [name, value] of Object.entries(captured.headers)) headers[name.toLowerCase()] = value;
  return {
    method: captured.method,
    rawPath: url[2]!,
    rawQuery: url[3] ?? '',
    headers,
    ...(virtual ? { bucketFromHost: host.split('.')[0] } : {}),
  };
}

test('requests signed by botocore (SigV4, SigV2, presigned, virtual-hosted) authenticate and their payloads verify', { skip: !available && `${PYTHON} with botocore is not installed` }, async () => {
  const captured = generate(CASES);
  assert.equal(captured.length, CASES.length);
  const now = new Date();
  for (const [i, c] of CASES.entries()) {
    const req = toSignedRequest(captured[i]!, c.style === 'virtual');
    const auth = await authenticateS3(req, secrets, now).catch((err: Error & { extra?: unknown }) => {
      assert.fail(`${c.name} (${c.signature}): ${err.message} ${JSON.stringify(err.extra)}\n${captured[i]!.url}`);
    });
    assert.equal(auth?.accessKey, ACCESS_KEY, c.name);
    const wire = Buffer.from(captured[i]!.body, 'base64');
    if (!wire.length) continue;
    const data = await drain((body) => auth!.decode(body), wire, 7);
    const sent = (c.params.Body as string | undefined) ?? data.toString();
    assert.equal(data.toString(), sent, c.name);
    if (auth!.payload.verify) auth!.payload.verify({ size: data.length, md5Hex: '', checksums: { SHA256: checksumOf('SHA256', data) } });
    const checksum = auth!.payload.checksum;
    if (checksum) {
      const expected = typeof checksum.expected === 'function' ? checksum.expected() : checksum.expected;
      const digest = createDigest(checksum.algorithm as ChecksumAlgorithm);
      digest.update(data);
      assert.equal(expected, digest.digest(), c.name);
    }
    if (c.params.ChecksumAlgorithm) assert.equal(checksum?.algorithm, c.params.ChecksumAlgorithm, c.name);
  }
});

test('botocore requests fail with the wrong secret, a changed key or a changed sub-resource', { skip: !available && `${PYTHON} with botocore is not installed` }, async () => {
  const cases = CASES.filter((c) => c.name.startsWith('GET of a key with spaces') || c.name.startsWith('presigned SigV') && c.name.includes('odd key'));
  const captured = generate(cases);
  const now = new Date();
  for (const entry of captured) {
    const req = toSignedRequest(entry, false);
    await rejectsWith(authenticateS3(req, async () => 'not the secret', now), 'SignatureDoesNotMatch', 403);
    await rejectsWith(authenticateS3({ ...req, rawPath: req.rawPath.replace('/x', '/y') }, secrets, now), 'SignatureDoesNotMatch', 403);
    await rejectsWith(authenticateS3({ ...req, rawQuery: req.rawQuery ? `${req.rawQuery}&versionId=2` : 'versionId=2' }, secrets, now), 'SignatureDoesNotMatch', 403);
  }
});
