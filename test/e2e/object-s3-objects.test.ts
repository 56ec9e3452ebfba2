import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Cloud } from './harness.ts';
import { aws, awsJson, boto3, curl, s3cmd, s3Setup, type S3Keys } from './s3-clients.ts';

// Object-level S3 through the clients people use: boto3, awscli (s3 and s3api), s3cmd and curl
// with presigned URLs. Cases run in file order on one cloud; each uses buckets of its own.

const MiB = 1024 * 1024;

async function md5File(path: string): Promise<string> {
  const h = createHash('md5');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

describe('S3 objects', () => {
  let cloud: Cloud;
  let keys: S3Keys;
  let work: string;
  let teardown: (() => Promise<void>) | undefined;

  before(async () => ({ cloud, keys, work, teardown } = await s3Setup()));
  after(async () => teardown?.());

  it('boto3: put, get, head and delete keep user metadata and content headers', async () => {
    const r = await boto3(cloud, keys, `
s3.create_bucket(Bucket='objs')
expires = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)
put = s3.put_object(Bucket='objs', Key='docs/readme.txt', Body=b'hello sovereign cloud', ContentType='text/plain; charset=utf-8',
                    CacheControl='max-age=3600', ContentDisposition='attachment; filename="readme.txt"', ContentLanguage='de',
                    Expires=expires, Metadata={'project': 'sovcloud', 'Mixed-Case': 'Value'}, Tagging='a=1&b=2')
head = s3.head_object(Bucket='objs', Key='docs/readme.txt')
got = s3.get_object(Bucket='objs', Key='docs/readme.txt')
deleted = s3.delete_object(Bucket='objs', Key='docs/readme.txt')
result = {
  'etag': put['ETag'], 'sse': put.get('ServerSideEncryption'),
  'head': {k: head.get(k) for k in ['ContentType', 'CacheControl', 'ContentDisposition', 'ContentLanguage', 'ContentLength', 'ETag', 'Metadata', 'AcceptRanges']},
  'expires': head['ResponseMetadata']['HTTPHeaders'].get('expires'),
  'body': got['Body'].read(), 'tags': got.get('TagCount'), 'modified': got['LastModified'].year,
  'deleted': deleted['ResponseMetadata']['HTTPStatusCode'],
  'head_gone': error(s3.head_object, Bucket='objs', Key='docs/readme.txt')['Status'],
  'get_gone': error(s3.get_object, Bucket='objs', Key='docs/readme.txt')['Code'],
  'delete_again': s3.delete_object(Bucket='objs', Key='docs/readme.txt')['ResponseMetadata']['HTTPStatusCode'],
}
`);
    const etag = `"${createHash('md5').update('hello sovereign cloud').digest('hex')}"`;
    assert.equal(r.etag, etag);
    assert.equal(r.sse, 'AES256');
    assert.deepEqual(r.head, {
      ContentType: 'text/plain; charset=utf-8', CacheControl: 'max-age=3600', ContentDisposition: 'attachment; filename="readme.txt"',
      ContentLanguage: 'de', ContentLength: 21, ETag: etag, Metadata: { project: 'sovcloud', 'mixed-case': 'Value' }, AcceptRanges: 'bytes',
    });
    assert.equal(r.expires, 'Tue, 01 Jan 2030 00:00:00 GMT');
    assert.deepEqual([r.body, r.tags, r.modified], ['hello sovereign cloud', 2, new Date().getUTCFullYear()]);
    assert.deepEqual([r.deleted, r.head_gone, r.get_gone, r.delete_again], [204, 404, 'NoSuchKey', 204]);
  });

  it('awscli s3api and s3cmd: put, head and get with metadata', async () => {
    const file = join(work, 'small.csv');
    await writeFile(file, 'a,b\n1,2\n');
    const put = await awsJson(cloud, keys, ['s3api', 'put-object', '--bucket', 'objs', '--key', 'cli/small.csv', '--body', file, '--content-type', 'text/csv', '--metadata', 'origin=awscli']);
    assert.equal(put.ETag, `"${createHash('md5').update('a,b\n1,2\n').digest('hex')}"`);
    const head = await awsJson(cloud, keys, ['s3api', 'head-object', '--bucket', 'objs', '--key', 'cli/small.csv']);
    assert.deepEqual([head.ContentType, head.ContentLength, head.Metadata], ['text/csv', 8, { origin: 'awscli' }]);
    const out = join(work, 'small.out');
    await awsJson(cloud, keys, ['s3api', 'get-object', '--bucket', 'objs', '--key', 'cli/small.csv', out]);
    assert.equal(await readFile(out, 'utf8'), 'a,b\n1,2\n');

    for (const signatureV2 of [false, true]) {
      const key = `s3://objs/s3cmd/${signatureV2 ? 'v2' : 'v4'}.csv`;
      const ok = async (args: string[]) => {
        const r = await s3cmd(cloud, keys, args, { signatureV2 });
        assert.equal(r.code, 0, `s3cmd ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
        return r.stdout;
      };
      await ok(['put', file, key, '--mime-type=text/x-csv', '--add-header=x-amz-meta-color:blue']);
      const info = await ok(['info', key]);
      assert.match(info, /MIME type:\s+text\/x-csv/);
      assert.match(info, /x-amz-meta-color:\s+blue/);
      const fetched = join(work, `s3cmd-${signatureV2}.csv`);
      await ok(['get', '--force', key, fetched]);
      assert.equal(await readFile(fetched, 'utf8'), 'a,b\n1,2\n');
      await ok(['del', key]);
    }
  });

  it('ranged GET: first, middle and suffix bytes; past the end is 416; a Range S3 cannot serve is the whole object', async () => {
    const r = await boto3(cloud, keys, `
data = bytes(range(256)) * 4
s3.put_object(Bucket='objs', Key='ranged', Body=data)
def part(rng):
    o = s3.get_object(Bucket='objs', Key='ranged', Range=rng)
    return {'status': o['ResponseMetadata']['HTTPStatusCode'], 'range': o.get('ContentRange'), 'length': o['ContentLength'], 'ok': o['Body'].read() == data[slice(*args[rng])]}
result = {rng: part(rng) for rng in args}
result['past'] = error(s3.get_object, Bucket='objs', Key='ranged', Range='bytes=1024-')
`, { 'bytes=0-99': [0, 100], 'bytes=500-599': [500, 600], 'bytes=-24': [1000, 1024], 'bytes=1000-5000': [1000, 1024], 'bytes=9-3': [0, 1024] });
    assert.deepEqual(r['bytes=0-99'], { status: 206, range: 'bytes 0-99/1024', length: 100, ok: true });
    assert.deepEqual(r['bytes=500-599'], { status: 206, range: 'bytes 500-599/1024', length: 100, ok: true });
    assert.deepEqual(r['bytes=-24'], { status: 206, range: 'bytes 1000-1023/1024', length: 24, ok: true });
    assert.deepEqual(r['bytes=1000-5000'], { status: 206, range: 'bytes 1000-1023/1024', length: 24, ok: true });
    assert.deepEqual(r['bytes=9-3'], { status: 200, range: null, length: 1024, ok: true });
    assert.deepEqual([r.past.Code, r.past.Status], ['InvalidRange', 416]);
  });

  it('conditional GET and HEAD: 304 for a matching If-None-Match or an old If-Modified-Since, 412 for If-Match and If-Unmodified-Since', async () => {
    const r = await boto3(cloud, keys, `
etag = s3.put_object(Bucket='objs', Key='cond', Body=b'conditional')['ETag']
future = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
past = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)
result = {}
for name, fn in [('get', s3.get_object), ('head', s3.head_object)]:
    result[name] = {
      'none_match': error(fn, Bucket='objs', Key='cond', IfNoneMatch=etag)['Status'],
      'modified_since': error(fn, Bucket='objs', Key='cond', IfModifiedSince=future)['Status'],
      'match': error(fn, Bucket='objs', Key='cond', IfMatch='"0123"')['Status'],
      'unmodified_since': error(fn, Bucket='objs', Key='cond', IfUnmodifiedSince=past)['Status'],
      'ok': fn(Bucket='objs', Key='cond', IfMatch=etag, IfModifiedSince=past)['ResponseMetadata']['HTTPStatusCode'],
    }
result['code'] = error(s3.get_object, Bucket='objs', Key='cond', IfMatch='"0123"')['Code']
`);
    for (const name of ['get', 'head']) assert.deepEqual(r[name], { none_match: 304, modified_since: 304, match: 412, unmodified_since: 412, ok: 200 }, name);
    assert.equal(r.code, 'PreconditionFailed');
  });

  it('copy: COPY keeps metadata, REPLACE replaces it, a copy onto itself must change something; aws s3 cp and s3cmd cp copy server-side', async () => {
    const r = await boto3(cloud, keys, `
s3.put_object(Bucket='objs', Key='orig', Body=b'original', ContentType='text/x-orig', Metadata={'a': '1'})
c1 = s3.copy_object(Bucket='objs', Key='copy1', CopySource={'Bucket': 'objs', 'Key': 'orig'})
h1 = s3.head_object(Bucket='objs', Key='copy1')
s3.copy_object(Bucket='objs', Key='copy2', CopySource='objs/orig', MetadataDirective='REPLACE', ContentType='text/x-new', Metadata={'b': '2'})
h2 = s3.head_object(Bucket='objs', Key='copy2')
itself = error(s3.copy_object, Bucket='objs', Key='orig', CopySource='objs/orig')
s3.copy_object(Bucket='objs', Key='orig', CopySource='objs/orig', MetadataDirective='REPLACE', Metadata={'c': '3'})
result = {
  'etag': c1['CopyObjectResult']['ETag'], 'h1': [h1['ContentType'], h1['Metadata']], 'h2': [h2['ContentType'], h2['Metadata']],
  'itself': [itself['Code'], itself['Status']], 'orig': s3.head_object(Bucket='objs', Key='orig')['Metadata'],
  'missing': error(s3.copy_object, Bucket='objs', Key='x', CopySource='objs/nothing-here')['Code'],
}
`);
    assert.equal(r.etag, `"${createHash('md5').update('original').digest('hex')}"`);
    assert.deepEqual(r.h1, ['text/x-orig', { a: '1' }]);
    assert.deepEqual(r.h2, ['text/x-new', { b: '2' }]);
    assert.deepEqual(r.itself, ['InvalidRequest', 400]);
    assert.deepEqual(r.orig, { c: '3' });
    assert.equal(r.missing, 'NoSuchKey');

    const cp = await aws(cloud, keys, ['s3', 'cp', 's3://objs/orig', 's3://objs/aws-copy']);
    assert.equal(cp.code, 0, cp.stderr);
    const s3cmdCp = await s3cmd(cloud, keys, ['cp', 's3://objs/orig', 's3://objs/s3cmd-copy']);
    assert.equal(s3cmdCp.code, 0, s3cmdCp.stderr);
    for (const key of ['aws-copy', 's3cmd-copy']) {
      const out = join(work, key);
      await awsJson(cloud, keys, ['s3api', 'get-object', '--bucket', 'objs', '--key', key, out]);
      assert.equal(await readFile(out, 'utf8'), 'original', key);
    }
  });

  it('versioning: overwrites keep versions, DELETE leaves a marker, versions read by id, ListObjectVersions interleaves', async () => {
    const r = await boto3(cloud, keys, `
s3.create_bucket(Bucket='vers')
s3.put_bucket_versioning(Bucket='vers', VersioningConfiguration={'Status': 'Enabled'})
v1 = s3.put_object(Bucket='vers', Key='doc', Body=b'first')['VersionId']
v2 = s3.put_object(Bucket='vers', Key='doc', Body=b'second')['VersionId']
d = s3.delete_object(Bucket='vers', Key='doc')
gone = error(s3.head_object, Bucket='vers', Key='doc')
listed = s3.list_object_versions(Bucket='vers')
result = {
  'v1': v1, 'v2': v2, 'marker': [d.get('DeleteMarker'), d.get('VersionId')],
  'gone': [gone['Status'], gone['Headers'].get('x-amz-delete-marker')],
  'read_v1': s3.get_object(Bucket='vers', Key='doc', VersionId=v1)['Body'].read(),
  'read_v2': s3.head_object(Bucket='vers', Key='doc', VersionId=v2)['VersionId'],
  'versions': [[v['VersionId'], v['IsLatest']] for v in listed['Versions']],
  'markers': [[m['VersionId'], m['IsLatest']] for m in listed['DeleteMarkers']],
  'marker_get': error(s3.get_object, Bucket='vers', Key='doc', VersionId=d['VersionId'])['Status'],
  'raw': raw('GET', '/vers', 'versions')['body'],
}
s3.delete_object(Bucket='vers', Key='doc', VersionId=d['VersionId'])
result['restored'] = s3.get_object(Bucket='vers', Key='doc')['Body'].read()
`);
    assert.ok(r.v1 && r.v2 && r.v1 !== r.v2);
    assert.equal(r.marker[0], true);
    assert.deepEqual(r.gone, [404, 'true']);
    assert.deepEqual([r.read_v1, r.read_v2], ['first', r.v2]);
    assert.deepEqual(r.versions, [[r.v2, false], [r.v1, false]]);
    assert.deepEqual(r.markers, [[r.marker[1], true]]);
    assert.equal(r.marker_get, 405);
    // On the wire the delete marker comes first: one list in key order, newest first.
    assert.deepEqual([...r.raw.matchAll(/<(Version|DeleteMarker)>/g)].map((m: RegExpMatchArray) => m[1]), ['DeleteMarker', 'Version', 'Version']);
    assert.equal(r.restored, 'second');
  });

  it('ListObjects v1 and v2 page 2500 keys 1000 at a time (boto3 paginators, aws s3api) and fold common prefixes', async () => {
    const r = await boto3(cloud, keys, `
from concurrent.futures import ThreadPoolExecutor
s3.create_bucket(Bucket='lists')
names = ['dir%d/file%04d' % (i % 5, i) for i in range(2495)] + ['top%d' % i for i in range(5)]
with ThreadPoolExecutor(16) as pool:
    list(pool.map(lambda k: s3.put_object(Bucket='lists', Key=k, Body=k.encode()), names))
def pages(op, **kw):
    out = []
    for page in s3.get_paginator(op).paginate(Bucket='lists', PaginationConfig={'PageSize': 1000}, **kw):
        out.append({'n': len(page.get('Contents', [])), 'prefixes': [p['Prefix'] for p in page.get('CommonPrefixes', [])],
                    'truncated': page['IsTruncated'], 'keys': [c['Key'] for c in page.get('Contents', [])]})
    return out
v1 = pages('list_objects')
v2 = pages('list_objects_v2')
result = {
  'v1': [[p['n'], p['truncated']] for p in v1], 'v2': [[p['n'], p['truncated']] for p in v2],
  'all_v1': sum((p['keys'] for p in v1), []) == sorted(names), 'all_v2': sum((p['keys'] for p in v2), []) == sorted(names),
  'delimited': pages('list_objects_v2', Delimiter='/'),
  'prefixed': pages('list_objects', Prefix='dir3/', Delimiter='/')[0]['n'],
}
`);
    assert.deepEqual(r.v1, [[1000, true], [1000, true], [500, false]]);
    assert.deepEqual(r.v2, [[1000, true], [1000, true], [500, false]]);
    assert.ok(r.all_v1 && r.all_v2);
    assert.deepEqual(r.delimited.map((p: any) => [p.prefixes, p.keys]), [[['dir0/', 'dir1/', 'dir2/', 'dir3/', 'dir4/'], ['top0', 'top1', 'top2', 'top3', 'top4']]]);
    assert.equal(r.prefixed, 499);

    const cli = await awsJson(cloud, keys, ['s3api', 'list-objects-v2', '--bucket', 'lists', '--page-size', '1000']);
    assert.equal(cli.Contents.length, 2500);
    assert.equal(cli.Contents[0].Key, 'dir0/file0000');
    const page = await awsJson(cloud, keys, ['s3api', 'list-objects-v2', '--bucket', 'lists', '--max-items', '1200', '--page-size', '1000']);
    assert.equal(page.Contents.length, 1200);
    const rest = await awsJson(cloud, keys, ['s3api', 'list-objects-v2', '--bucket', 'lists', '--starting-token', page.NextToken, '--page-size', '1000']);
    assert.equal(rest.Contents.length, 1300);
    const v1 = await awsJson(cloud, keys, ['s3api', 'list-objects', '--bucket', 'lists', '--delimiter', '/', '--prefix', 'dir1/', '--page-size', '100']);
    assert.equal(v1.Contents.length, 499);
    const ls = await s3cmd(cloud, keys, ['ls', 's3://lists/']);
    assert.equal(ls.code, 0, ls.stderr);
    assert.equal(ls.stdout.trim().split('\n').length, 10, ls.stdout);
  });

  it('unicode and odd keys (`../`, leading and double slashes, `+`, spaces, `%`, `?`, `#`) round-trip and list exactly', async () => {
    const odd = ['ünïcødé/ключ ✓.txt', '../etc/passwd', '/leading', '//double//slash', 'a+b c', '100%', 'what?#frag', 'trailing/', 'tab\there', 'k'.repeat(1024)];
    const r = await boto3(cloud, keys, `
s3.create_bucket(Bucket='odd')
for k in args:
    s3.put_object(Bucket='odd', Key=k, Body=k.encode())
result = {
  'bodies': [s3.get_object(Bucket='odd', Key=k)['Body'].read().decode() == k for k in args],
  'v2': [c['Key'] for c in s3.list_objects_v2(Bucket='odd')['Contents']],
  'v1': [c['Key'] for c in s3.list_objects(Bucket='odd')['Contents']],
  'versions': [v['Key'] for v in s3.list_object_versions(Bucket='odd')['Versions']],
  'too_long': error(s3.put_object, Bucket='odd', Key='k' * 1025, Body=b'x')['Code'],
}
s3.copy_object(Bucket='odd', Key='copied+plus', CopySource={'Bucket': 'odd', 'Key': 'a+b c'})
result['copied'] = s3.get_object(Bucket='odd', Key='copied+plus')['Body'].read()
`, odd);
    const sorted = [...odd].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    assert.deepEqual(r.bodies, odd.map(() => true));
    assert.deepEqual(r.v2, sorted);
    assert.deepEqual(r.v1, sorted);
    assert.deepEqual(r.versions, sorted);
    assert.equal(r.too_long, 'KeyTooLongError');
    assert.equal(r.copied, 'a+b c');
    const cli = await awsJson(cloud, keys, ['s3api', 'list-objects-v2', '--bucket', 'odd']);
    assert.deepEqual(cli.Contents.map((c: { Key: string }) => c.Key).filter((k: string) => k !== 'copied+plus'), sorted);
    const out = join(work, 'unicode.out');
    await awsJson(cloud, keys, ['s3api', 'get-object', '--bucket', 'odd', '--key', 'ünïcødé/ключ ✓.txt', out]);
    assert.equal(await readFile(out, 'utf8'), 'ünïcødé/ключ ✓.txt');
    const get = await s3cmd(cloud, keys, ['get', '--force', 's3://odd/a+b c', join(work, 'plus.out')]);
    assert.equal(get.code, 0, get.stderr);
    assert.equal(await readFile(join(work, 'plus.out'), 'utf8'), 'a+b c');
  });

  it('presigned GET and PUT URLs work with curl (including Expect: 100-continue); response-* overrides apply', async () => {
    const urls = await boto3(cloud, keys, `
s3.put_object(Bucket='objs', Key='shared/file.txt', Body=b'presigned content')
result = {
  'get': s3.generate_presigned_url('get_object', Params={'Bucket': 'objs', 'Key': 'shared/file.txt'}, ExpiresIn=300),
  'get_override': s3.generate_presigned_url('get_object', Params={'Bucket': 'objs', 'Key': 'shared/file.txt', 'ResponseContentType': 'application/x-override', 'ResponseContentDisposition': 'attachment'}, ExpiresIn=300),
  'put': s3.generate_presigned_url('put_object', Params={'Bucket': 'objs', 'Key': 'shared/upload.bin'}, ExpiresIn=300),
}
`);
    const got = await curl([urls.get]);
    assert.deepEqual([got.status, got.body], [200, 'presigned content']);
    const overridden = await curl([urls.get_override]);
    assert.deepEqual([overridden.headers['content-type'], overridden.headers['content-disposition']], ['application/x-override', 'attachment']);
    const tampered = await curl([urls.get.replace('shared/file.txt', 'shared/other.txt')]);
    assert.equal(tampered.status, 403);

    const upload = join(work, 'upload.bin');
    const data = randomBytes(3 * MiB);
    await writeFile(upload, data);
    const put = await curl(['-X', 'PUT', '-T', upload, '-H', 'Expect: 100-continue', urls.put]);
    assert.deepEqual([put.interim, put.status], [[100], 200], put.body);
    assert.equal(put.headers.etag, `"${createHash('md5').update(data).digest('hex')}"`);
    const back = await boto3(cloud, keys, `result = s3.head_object(Bucket='objs', Key='shared/upload.bin')['ContentLength']`);
    assert.equal(back, 3 * MiB);
  });

  it('SSE-C: a customer key encrypts, the same key reads; without it GET and HEAD are 400', async () => {
    const r = await boto3(cloud, keys, `
import base64, hashlib, os
key = os.urandom(32)
sse = {'SSECustomerAlgorithm': 'AES256', 'SSECustomerKey': key}
s3.create_bucket(Bucket='ssec')
put = s3.put_object(Bucket='ssec', Key='secret', Body=b'top secret', **sse)
head = s3.head_object(Bucket='ssec', Key='secret', **sse)
result = {
  'put_md5': put.get('SSECustomerKeyMD5'), 'key_md5': base64.b64encode(hashlib.md5(key).digest()).decode(),
  'head_algorithm': head.get('SSECustomerAlgorithm'),
  'body': s3.get_object(Bucket='ssec', Key='secret', **sse)['Body'].read(),
  'get_without': error(s3.get_object, Bucket='ssec', Key='secret'),
  'head_without': error(s3.head_object, Bucket='ssec', Key='secret')['Status'],
  'wrong_key': error(s3.get_object, Bucket='ssec', Key='secret', SSECustomerAlgorithm='AES256', SSECustomerKey=os.urandom(32))['Status'],
  'bad_algorithm': error(s3.put_object, Bucket='ssec', Key='x', Body=b'x', SSECustomerAlgorithm='AES128', SSECustomerKey=key)['Code'],
}
s3.copy_object(Bucket='ssec', Key='plain-copy', CopySource={'Bucket': 'ssec', 'Key': 'secret'},
               CopySourceSSECustomerAlgorithm='AES256', CopySourceSSECustomerKey=key)
result['copy'] = s3.get_object(Bucket='ssec', Key='plain-copy')['Body'].read()
`);
    assert.equal(r.put_md5, r.key_md5);
    assert.equal(r.head_algorithm, 'AES256');
    assert.equal(r.body, 'top secret');
    assert.deepEqual([r.get_without.Code, r.get_without.Status], ['InvalidRequest', 400]);
    assert.equal(r.head_without, 400);
    assert.equal(r.wrong_key, 403);
    assert.equal(r.bad_algorithm, 'InvalidArgument');
    assert.equal(r.copy, 'top secret');
  });

  it('multipart: aws s3 cp of 100 MiB in 8 MiB parts round-trips; boto3 parts, UploadPartCopy, ListParts, ListMultipartUploads, Abort', async () => {
    const big = join(work, 'big.bin');
    const chunk = randomBytes(MiB);
    await writeFile(big, Buffer.concat(Array.from({ length: 100 }, (_, i) => (i % 7 === 0 ? randomBytes(MiB) : chunk))));
    await boto3(cloud, keys, `s3.create_bucket(Bucket='mpu')`);
    const up = await aws(cloud, keys, ['s3', 'cp', big, 's3://mpu/big.bin']);
    assert.equal(up.code, 0, up.stderr);
    const head = await awsJson(cloud, keys, ['s3api', 'head-object', '--bucket', 'mpu', '--key', 'big.bin']);
    assert.equal(head.ContentLength, 100 * MiB);
    assert.match(head.ETag, /^"[0-9a-f]{32}-13"$/);
    const down = join(work, 'big.down');
    const get = await aws(cloud, keys, ['s3', 'cp', 's3://mpu/big.bin', down]);
    assert.equal(get.code, 0, get.stderr);
    assert.equal(await md5File(down), await md5File(big));

    const r = await boto3(cloud, keys, `
import hashlib
part1 = os.urandom(5 * 1024 * 1024)
up = s3.create_multipart_upload(Bucket='mpu', Key='assembled', ContentType='application/x-assembled', Metadata={'m': 'v'})
uid = up['UploadId']
e1 = s3.upload_part(Bucket='mpu', Key='assembled', UploadId=uid, PartNumber=1, Body=part1)['ETag']
e2 = s3.upload_part_copy(Bucket='mpu', Key='assembled', UploadId=uid, PartNumber=2, CopySource={'Bucket': 'mpu', 'Key': 'big.bin'},
                         CopySourceRange='bytes=0-1048575')['CopyPartResult']['ETag']
parts = s3.list_parts(Bucket='mpu', Key='assembled', UploadId=uid)
paged = s3.list_parts(Bucket='mpu', Key='assembled', UploadId=uid, MaxParts=1)
other = s3.create_multipart_upload(Bucket='mpu', Key='abandoned')['UploadId']
uploads = s3.list_multipart_uploads(Bucket='mpu')
s3.abort_multipart_upload(Bucket='mpu', Key='abandoned', UploadId=other)
after_abort = sorted(u['Key'] for u in s3.list_multipart_uploads(Bucket='mpu').get('Uploads', []))
done = s3.complete_multipart_upload(Bucket='mpu', Key='assembled', UploadId=uid,
                                    MultipartUpload={'Parts': [{'PartNumber': 1, 'ETag': e1}, {'PartNumber': 2, 'ETag': e2}]})
obj = s3.get_object(Bucket='mpu', Key='assembled')
body = obj['Body'].read()
first_mib = s3.get_object(Bucket='mpu', Key='big.bin', Range='bytes=0-1048575')['Body'].read()
result = {
  'parts': [[p['PartNumber'], p['Size']] for p in parts['Parts']],
  'paged': [paged['IsTruncated'], paged['NextPartNumberMarker'], len(paged['Parts'])],
  'uploads': sorted(u['Key'] for u in uploads.get('Uploads', [])),
  'after_abort': after_abort,
  'aborted_parts': error(s3.list_parts, Bucket='mpu', Key='abandoned', UploadId=other)['Code'],
  'etag': done['ETag'], 'expected_etag': '"%s-2"' % hashlib.md5(bytes.fromhex(e1.strip('"')) + bytes.fromhex(e2.strip('"'))).hexdigest(),
  'same': body == part1 + first_mib, 'type': obj['ContentType'], 'meta': obj['Metadata'],
  'part2': s3.head_object(Bucket='mpu', Key='assembled', PartNumber=2)['ContentLength'],
  'parts_count': s3.head_object(Bucket='mpu', Key='assembled', PartNumber=1)['PartsCount'],
  'too_small': None,
}
small = s3.create_multipart_upload(Bucket='mpu', Key='small')['UploadId']
s1 = s3.upload_part(Bucket='mpu', Key='small', UploadId=small, PartNumber=1, Body=b'a')['ETag']
s2 = s3.upload_part(Bucket='mpu', Key='small', UploadId=small, PartNumber=2, Body=b'b')['ETag']
result['too_small'] = error(s3.complete_multipart_upload, Bucket='mpu', Key='small', UploadId=small,
                            MultipartUpload={'Parts': [{'PartNumber': 1, 'ETag': s1}, {'PartNumber': 2, 'ETag': s2}]})['Code']
result['bad_order'] = error(s3.complete_multipart_upload, Bucket='mpu', Key='small', UploadId=small,
                            MultipartUpload={'Parts': [{'PartNumber': 2, 'ETag': s2}, {'PartNumber': 1, 'ETag': s1}]})['Code']
s3.abort_multipart_upload(Bucket='mpu', Key='small', UploadId=small)
`);
    assert.deepEqual(r.parts, [[1, 5 * MiB], [2, MiB]]);
    assert.deepEqual(r.paged, [true, 1, 1]);
    assert.deepEqual(r.uploads, ['abandoned', 'assembled']);
    assert.deepEqual(r.after_abort, ['assembled']);
    assert.equal(r.aborted_parts, 'NoSuchUpload');
    assert.equal(r.etag, r.expected_etag);
    assert.deepEqual([r.same, r.type, r.meta, r.part2, r.parts_count], [true, 'application/x-assembled', { m: 'v' }, MiB, 2]);
    assert.equal(r.too_small, 'EntityTooSmall');
    assert.equal(r.bad_order, 'InvalidPartOrder');
  });

  it('DeleteObjects: boto3 with versions and Quiet, aws s3 rm --recursive, s3cmd del', async () => {
    const r = await boto3(cloud, keys, `
s3.create_bucket(Bucket='dels')
for k in ['a', 'b', 'c', 'd/1', 'd/2']:
    s3.put_object(Bucket='dels', Key=k, Body=b'x')
loud = s3.delete_objects(Bucket='dels', Delete={'Objects': [{'Key': 'a'}, {'Key': 'b'}, {'Key': 'never-was'}]})
quiet = s3.delete_objects(Bucket='dels', Delete={'Objects': [{'Key': 'c'}], 'Quiet': True})
s3.put_bucket_versioning(Bucket='vers', VersioningConfiguration={'Status': 'Enabled'})
v = s3.put_object(Bucket='vers', Key='multi', Body=b'x')['VersionId']
marked = s3.delete_objects(Bucket='vers', Delete={'Objects': [{'Key': 'multi'}]})['Deleted'][0]
purged = s3.delete_objects(Bucket='vers', Delete={'Objects': [{'Key': 'multi', 'VersionId': v}, {'Key': 'multi', 'VersionId': marked['DeleteMarkerVersionId']}]})['Deleted']
too_many = error(s3.delete_objects, Bucket='dels', Delete={'Objects': [{'Key': 'k%d' % i} for i in range(1001)]})
result = {
  'loud': sorted(d['Key'] for d in loud['Deleted']), 'loud_errors': loud.get('Errors', []),
  'quiet': [quiet.get('Deleted', []), quiet.get('Errors', [])],
  'marked': [marked.get('DeleteMarker'), bool(marked.get('DeleteMarkerVersionId'))],
  'purged': sorted([d['VersionId'], d.get('DeleteMarker', False)] for d in purged),
  'marker_id': marked['DeleteMarkerVersionId'], 'version_id': v,
  'left': [c['Key'] for c in s3.list_objects_v2(Bucket='dels').get('Contents', [])],
  'multi_versions': len(s3.list_object_versions(Bucket='vers', Prefix='multi').get('Versions', [])),
  'too_many': too_many['Code'],
}
`);
    assert.deepEqual(r.loud, ['a', 'b', 'never-was']);
    assert.deepEqual(r.loud_errors, []);
    assert.deepEqual(r.quiet, [[], []]);
    assert.deepEqual(r.marked, [true, true]);
    assert.deepEqual(r.purged, [[r.marker_id, true], [r.version_id, false]].sort());
    assert.deepEqual(r.left, ['d/1', 'd/2']);
    assert.equal(r.multi_versions, 0);
    assert.equal(r.too_many, 'MalformedXML');

    const rm = await aws(cloud, keys, ['s3', 'rm', '--recursive', 's3://dels/d/']);
    assert.equal(rm.code, 0, rm.stderr);
    assert.match(rm.stdout, /delete: s3:\/\/dels\/d\/1/);
    const s3cmdDel = await s3cmd(cloud, keys, ['del', 's3://objs/cli/small.csv']);
    assert.equal(s3cmdDel.code, 0, s3cmdDel.stderr);
    const left = await boto3(cloud, keys, `result = [s3.list_objects_v2(Bucket='dels')['KeyCount'], error(s3.head_object, Bucket='objs', Key='cli/small.csv')['Status']]`);
    assert.deepEqual(left, [0, 404]);
  });
});
