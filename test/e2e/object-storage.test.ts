import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Cloud } from './harness.ts';
import { aws, awsJson, boto3, ec2Credentials, projectMember, s3Setup, type S3Keys } from './s3-clients.ts';

const MiB = 1024 * 1024;

/** Every data file the object layer holds, and its temporaries. */
async function dataFiles(cloud: Cloud): Promise<{ data: string[]; tmp: string[] }> {
  const root = join(cloud.stateDir, 'objects');
  const data: string[] = [];
  for (const dir of await readdir(join(root, 'data'))) data.push(...(await readdir(join(root, 'data', dir))).map((f) => join(root, 'data', dir, f)));
  return { data, tmp: await readdir(join(root, 'tmp')) };
}

/** The server process of a cloud, found by its state dir on its command line. */
async function serverPid(cloud: Cloud): Promise<number> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(cloud.stateDir) && cmdline.includes('\0up\0')) return Number(entry);
  }
  throw new Error('the sovcloud server process was not found');
}

async function peakRssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

async function md5File(path: string): Promise<string> {
  const h = createHash('md5');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

// A lifecycle "day" of two seconds (RGW's rgw_lc_debug_interval), inherited by the test cloud.
process.env.SOVCLOUD_LC_DAY_SECONDS = '2';

describe('object storage: one layer behind S3 and Swift, crash-safe and encrypted', () => {
  let cloud: Cloud;
  let keys: S3Keys;
  let work: string;
  let teardown: (() => Promise<void>) | undefined;

  before(async () => ({ cloud, keys, work, teardown } = await s3Setup()));
  after(async () => teardown?.());

  it('publishes S3 and Swift in the catalog; unknown keys are InvalidAccessKeyId at the root', async () => {
    const services = await cloud.osJson<{ Name: string; Type: string; Endpoints: { url: string }[] }[]>('sovcloud-admin', ['catalog', 'list']);
    const byType = new Map(services.map((s) => [s.Type, s]));
    assert.equal(byType.get('object-store')?.Name, 'swift');
    assert.match(byType.get('object-store')!.Endpoints[0]!.url, new RegExp(`^${cloud.objectUrl}/swift/v1/AUTH_[0-9a-f]{32}$`));
    assert.equal(byType.get('object-store-s3')?.Endpoints[0]?.url, cloud.objectUrl);
    const err = await boto3(cloud, { ...keys, access: 'AKIANOTAREALKEY00000' }, 'result = error(s3.list_buckets)');
    assert.deepEqual([err.Status, err.Code], [403, 'InvalidAccessKeyId']);
  });

  it('serves an object put through S3 to Swift and one put through Swift to S3', async () => {
    await awsJson(cloud, keys, ['s3api', 'create-bucket', '--bucket', 'interop']);
    const viaS3 = join(work, 'via-s3.bin');
    await writeFile(viaS3, randomBytes(300_000));
    await awsJson(cloud, keys, ['s3api', 'put-object', '--bucket', 'interop', '--key', 'dir/from-s3.bin', '--body', viaS3, '--metadata', 'origin=s3']);
    const saved = join(work, 'saved-by-swift.bin');
    const r = await cloud.os('sovcloud-admin', ['object', 'save', '--file', saved, 'interop', 'dir/from-s3.bin']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await md5File(saved), await md5File(viaS3));
    const shown = await cloud.osJson<{ properties: Record<string, string> }>('sovcloud-admin', ['object', 'show', 'interop', 'dir/from-s3.bin']);
    assert.deepEqual(shown.properties, { origin: 's3' }, 'Swift shows the S3 user metadata');

    const viaSwift = join(work, 'from-swift.txt');
    await writeFile(viaSwift, 'written through swift\n');
    const created = await cloud.os('sovcloud-admin', ['object', 'create', '--name', 'from-swift.txt', 'interop', viaSwift]);
    assert.equal(created.code, 0, created.stderr);
    const got = await boto3(cloud, keys, `
o = s3.get_object(Bucket='interop', Key='from-swift.txt')
result = {'body': o['Body'].read().decode(), 'etag': o['ETag']}
`);
    assert.equal(got.body, 'written through swift\n');
    assert.equal(got.etag, `"${createHash('md5').update('written through swift\n').digest('hex')}"`);
    const listed = await cloud.osJson<{ Name: string }[]>('sovcloud-admin', ['object', 'list', 'interop']);
    assert.deepEqual(listed.map((o) => o.Name).sort(), ['dir/from-s3.bin', 'from-swift.txt']);
  });

  it("never lets one project's credentials or tokens reach another project's bucket", async () => {
    const stranger = await projectMember(cloud, 'stranger');
    const strangerKeys = await ec2Credentials(cloud, stranger.auth);
    const denied = await boto3(cloud, strangerKeys, `
result = {
  'get': error(s3.get_object, Bucket='interop', Key='from-swift.txt')['Code'],
  'list': error(s3.list_objects_v2, Bucket='interop')['Code'],
  'put': error(s3.put_object, Bucket='interop', Key='intruder', Body=b'x')['Code'],
  'delete': error(s3.delete_bucket, Bucket='interop')['Code'],
  'mine': [b['Name'] for b in s3.list_buckets()['Buckets']],
}`);
    assert.deepEqual(denied, { get: 'AccessDenied', list: 'AccessDenied', put: 'AccessDenied', delete: 'AccessDenied', mine: [] });
    const swift = await cloud.os(stranger.auth, ['object', 'list', 'interop']);
    assert.notEqual(swift.code, 0, 'the stranger listed a container of another project through Swift');
    const still = await awsJson(cloud, keys, ['s3api', 'list-objects-v2', '--bucket', 'interop']);
    assert.equal(still.Contents.length, 2);
  });

  it('opens a bucket by policy to everyone or to one other project, and by canned ACL to anonymous readers', async () => {
    await awsJson(cloud, keys, ['s3api', 'create-bucket', '--bucket', 'shared']);
    await awsJson(cloud, keys, ['s3api', 'put-object', '--bucket', 'shared', '--key', 'pub/readme.txt', '--content-type', 'text/plain']);
    await awsJson(cloud, keys, ['s3api', 'put-object', '--bucket', 'shared', '--key', 'team/plan.txt']);
    const partner = await projectMember(cloud, 'partner');
    const partnerKeys = await ec2Credentials(cloud, partner.auth);
    const anonymous = async (key: string) => (await fetch(`${cloud.objectUrl}/shared/${key}`)).status;
    assert.equal(await anonymous('pub/readme.txt'), 403);
    const partnerReads = () => boto3(cloud, partnerKeys, `
try:
    result = s3.get_object(Bucket='shared', Key='team/plan.txt')['ResponseMetadata']['HTTPStatusCode']
except Exception as e:
    result = e.response['Error']['Code']
`);
    assert.equal(await partnerReads(), 'AccessDenied');
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::shared/pub/*' },
        { Effect: 'Allow', Principal: { AWS: [`arn:aws:iam::${partner.projectId}:root`] }, Action: ['s3:GetObject', 's3:ListBucket'], Resource: ['arn:aws:s3:::shared', 'arn:aws:s3:::shared/team/*'] },
      ],
    };
    await awsJson(cloud, keys, ['s3api', 'put-bucket-policy', '--bucket', 'shared', '--policy', JSON.stringify(policy)]);
    assert.equal(await anonymous('pub/readme.txt'), 200);
    assert.equal(await anonymous('team/plan.txt'), 403);
    assert.equal(await partnerReads(), 200);
    const partnerWrite = await boto3(cloud, partnerKeys, "result = error(s3.put_object, Bucket='shared', Key='team/x', Body=b'x')['Code']");
    assert.equal(partnerWrite, 'AccessDenied');
    await awsJson(cloud, keys, ['s3api', 'delete-bucket-policy', '--bucket', 'shared']);
    assert.equal(await anonymous('pub/readme.txt'), 403);
    await awsJson(cloud, keys, ['s3api', 'put-bucket-acl', '--bucket', 'shared', '--acl', 'public-read']);
    assert.equal(await anonymous('team/plan.txt'), 200);
    assert.equal((await fetch(`${cloud.objectUrl}/shared/team/plan.txt`, { method: 'PUT', body: 'x' })).status, 403);
    await awsJson(cloud, keys, ['s3api', 'put-bucket-acl', '--bucket', 'shared', '--acl', 'private']);
  });

  it('verifies and returns CRC32, CRC32C, SHA1 and SHA256 checksums; a wrong one is BadDigest; tags round-trip', async () => {
    const result = await boto3(cloud, keys, `
import base64, hashlib, zlib
body = b'checksum me ' * 1000
out = {}
for alg in ['CRC32', 'CRC32C', 'SHA1', 'SHA256']:
    s3.put_object(Bucket='shared', Key='sum-' + alg, Body=body, ChecksumAlgorithm=alg)
    out[alg] = s3.head_object(Bucket='shared', Key='sum-' + alg, ChecksumMode='ENABLED').get('Checksum' + alg)
from awscrt import checksums
out['expected'] = {
    'CRC32': base64.b64encode(zlib.crc32(body).to_bytes(4, 'big')).decode(),
    'CRC32C': base64.b64encode(checksums.crc32c(body).to_bytes(4, 'big')).decode(),
    'SHA1': base64.b64encode(hashlib.sha1(body).digest()).decode(),
    'SHA256': base64.b64encode(hashlib.sha256(body).digest()).decode(),
}
bad = base64.b64encode((zlib.crc32(body) ^ 1).to_bytes(4, 'big')).decode()
out['bad'] = raw('PUT', '/shared/sum-bad', headers={'x-amz-checksum-crc32': bad, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD'}, body=body)['status']
out['badCode'] = error(s3.head_object, Bucket='shared', Key='sum-bad')['Status']
s3.put_object_tagging(Bucket='shared', Key='sum-CRC32', Tagging={'TagSet': [{'Key': 'team', 'Value': 'ops'}, {'Key': 'tier', 'Value': 'gold'}]})
out['tags'] = s3.get_object_tagging(Bucket='shared', Key='sum-CRC32')['TagSet']
out['tagCount'] = s3.get_object(Bucket='shared', Key='sum-CRC32')['TagCount']
s3.delete_object_tagging(Bucket='shared', Key='sum-CRC32')
out['afterDelete'] = s3.get_object_tagging(Bucket='shared', Key='sum-CRC32')['TagSet']
result = out
`);
    // Expected values from Python's zlib and hashlib and the AWS CRT, not from our code.
    for (const alg of ['CRC32', 'CRC32C', 'SHA1', 'SHA256']) assert.equal(result[alg], result.expected[alg], alg);
    assert.equal(result.bad, 400);
    assert.equal(result.badCode, 404);
    assert.deepEqual(result.tags, [{ Key: 'team', Value: 'ops' }, { Key: 'tier', Value: 'gold' }]);
    assert.equal(result.tagCount, 2);
    assert.deepEqual(result.afterDelete, []);
  });

  it('keeps no plaintext of an object anywhere in the state dir', async () => {
    const marker = `plaintext-marker-${randomBytes(8).toString('hex')}`;
    const file = join(work, 'secret.txt');
    await writeFile(file, `${marker}\n`.repeat(5000));
    await awsJson(cloud, keys, ['s3api', 'put-object', '--bucket', 'interop', '--key', 'secret.txt', '--body', file]);
    const { data } = await dataFiles(cloud);
    const dbFiles = (await readdir(cloud.stateDir)).filter((f) => f.startsWith('sovcloud.db')).map((f) => join(cloud.stateDir, f));
    for (const f of [...data, ...dbFiles]) {
      assert.ok(!(await readFile(f)).includes(marker), `${f} contains the object's plaintext`);
    }
    const back = await boto3(cloud, keys, "result = s3.get_object(Bucket='interop', Key='secret.txt')['Body'].read().decode()[:60]");
    assert.ok(back.startsWith(marker));
  });

  it('a server killed during a PUT keeps the previous object and leaves no orphan files', async () => {
    await awsJson(cloud, keys, ['s3api', 'create-bucket', '--bucket', 'crashes']);
    const v1 = join(work, 'v1.bin');
    await writeFile(v1, randomBytes(100_000));
    await awsJson(cloud, keys, ['s3api', 'put-object', '--bucket', 'crashes', '--key', 'obj', '--body', v1]);
    const before = (await dataFiles(cloud)).data.length;
    // A 400 MiB single PUT, killed while its data streams to a temporary file.
    const big = join(work, 'big.bin');
    const fh = await open(big, 'w');
    const block = randomBytes(8 * MiB);
    for (let i = 0; i < 50; i++) await fh.write(block);
    await fh.close();
    const upload = spawn('/usr/bin/python3', ['-c', `
import boto3, sys
from botocore.config import Config
s3 = boto3.client('s3', endpoint_url=sys.argv[1], aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3], region_name='RegionOne', config=Config(s3={'addressing_style': 'path'}, retries={'max_attempts': 1}))
with open(sys.argv[4], 'rb') as f:
    s3.put_object(Bucket='crashes', Key='obj', Body=f)
`, cloud.objectUrl, keys.access, keys.secret, big], { stdio: 'ignore' });
    const tmpDir = join(cloud.stateDir, 'objects', 'tmp');
    const deadline = Date.now() + 60_000;
    let seen = false;
    while (!seen && Date.now() < deadline) {
      for (const f of await readdir(tmpDir)) if (((await stat(join(tmpDir, f)).catch(() => undefined))?.size ?? 0) > 16 * MiB) seen = true;
      if (!seen) await sleep(20);
    }
    assert.ok(seen, 'the upload never reached the temporary file');
    await cloud.crash();
    upload.kill();
    await cloud.restart();
    const after = await dataFiles(cloud);
    assert.deepEqual(after.tmp, [], 'temporaries survived the restart');
    assert.equal(after.data.length, before, 'a data file of the interrupted PUT survived');
    const head = await awsJson(cloud, keys, ['s3api', 'head-object', '--bucket', 'crashes', '--key', 'obj']);
    assert.equal(head.ETag, `"${await md5File(v1)}"`);
    assert.equal(head.ContentLength, 100_000);
  });

  it('a server killed during CompleteMultipartUpload leaves either the upload or the object, whole', async () => {
    const parts = [randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(MiB)];
    const filesBefore = (await dataFiles(cloud)).data.length;
    const started = await boto3(cloud, keys, `
import base64
up = s3.create_multipart_upload(Bucket='crashes', Key='assembled')
etags = []
for i, p in enumerate(args):
    etags.append(s3.upload_part(Bucket='crashes', Key='assembled', UploadId=up['UploadId'], PartNumber=i + 1, Body=base64.b64decode(p))['ETag'])
result = {'id': up['UploadId'], 'etags': etags}
`, parts.map((p) => p.toString('base64')));
    const complete = spawn('/usr/bin/python3', ['-c', `
import boto3, json, sys
from botocore.config import Config
s3 = boto3.client('s3', endpoint_url=sys.argv[1], aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3], region_name='RegionOne', config=Config(s3={'addressing_style': 'path'}, retries={'max_attempts': 1}))
etags = json.loads(sys.argv[5])
s3.complete_multipart_upload(Bucket='crashes', Key='assembled', UploadId=sys.argv[4], MultipartUpload={'Parts': [{'PartNumber': i + 1, 'ETag': e} for i, e in enumerate(etags)]})
`, cloud.objectUrl, keys.access, keys.secret, started.id, JSON.stringify(started.etags)], { stdio: 'ignore' });
    await sleep(300 + Math.random() * 400);
    await cloud.crash();
    complete.kill();
    await cloud.restart();
    const state = await boto3(cloud, keys, `
ups = [u['UploadId'] for u in s3.list_multipart_uploads(Bucket='crashes').get('Uploads', [])]
objs = [o['Key'] for o in s3.list_objects_v2(Bucket='crashes').get('Contents', [])]
result = {'uploads': ups, 'objects': objs}
`);
    const uploadLeft = state.uploads.includes(started.id);
    const objectThere = state.objects.includes('assembled');
    assert.notEqual(uploadLeft, objectThere, `after the crash: ${JSON.stringify(state)}`);
    if (uploadLeft) {
      await boto3(cloud, keys, `
s3.complete_multipart_upload(Bucket='crashes', Key='assembled', UploadId=args['id'], MultipartUpload={'Parts': [{'PartNumber': i + 1, 'ETag': e} for i, e in enumerate(args['etags'])]})
`, started);
    }
    const whole = Buffer.concat(parts);
    const got = await boto3(cloud, keys, "result = __import__('hashlib').md5(s3.get_object(Bucket='crashes', Key='assembled')['Body'].read()).hexdigest()");
    assert.equal(got, createHash('md5').update(whole).digest('hex'));
    const files = await dataFiles(cloud);
    assert.deepEqual(files.tmp, []);
    // Exactly the three parts, now owned by 'assembled'.
    assert.equal(files.data.length, filesBefore + 3);
  });

  it('streams a 2 GiB multipart upload and download with flat server memory', async () => {
    const big = join(work, 'two-gib.bin');
    const fh = await open(big, 'w');
    const block = randomBytes(64 * MiB);
    for (let i = 0; i < 32; i++) await fh.write(block);
    await fh.close();
    const pid = await serverPid(cloud);
    const rssBefore = await peakRssMiB(pid);
    await awsJson(cloud, keys, ['s3api', 'create-bucket', '--bucket', 'large']);
    const up = await aws(cloud, keys, ['s3', 'cp', '--only-show-errors', big, 's3://large/two-gib.bin']);
    assert.equal(up.code, 0, up.stderr);
    const head = await awsJson(cloud, keys, ['s3api', 'head-object', '--bucket', 'large', '--key', 'two-gib.bin']);
    assert.equal(head.ContentLength, 2 * 1024 * MiB);
    assert.match(head.ETag, /^"[0-9a-f]{32}-\d+"$/);
    const back = join(work, 'two-gib.back');
    const down = await aws(cloud, keys, ['s3', 'cp', '--only-show-errors', 's3://large/two-gib.bin', back]);
    assert.equal(down.code, 0, down.stderr);
    assert.equal(await md5File(back), await md5File(big));
    const growth = (await peakRssMiB(pid)) - rssBefore;
    assert.ok(growth < 256, `the server's peak memory grew by ${growth.toFixed(0)} MiB moving 2 GiB`);
    await rm(big);
    await rm(back);
  });

  it('expires objects by lifecycle rule and by X-Delete-After', async () => {
    await awsJson(cloud, keys, ['s3api', 'create-bucket', '--bucket', 'expiring']);
    for (const key of ['tmp/a', 'keep/b']) await awsJson(cloud, keys, ['s3api', 'put-object', '--bucket', 'expiring', '--key', key]);
    await awsJson(cloud, keys, ['s3api', 'put-bucket-lifecycle-configuration', '--bucket', 'expiring', '--lifecycle-configuration',
      JSON.stringify({ Rules: [{ ID: 'tmp', Status: 'Enabled', Filter: { Prefix: 'tmp/' }, Expiration: { Days: 1 } }] })]);
    const file = join(work, 'short-lived.txt');
    await writeFile(file, 'gone soon');
    const r = await cloud.os('sovcloud-admin', ['object', 'create', '--name', 'short-lived.txt', 'expiring', file]);
    assert.equal(r.code, 0, r.stderr);
    const token = (await cloud.osJson<{ id: string }>('sovcloud-admin', ['token', 'issue'])).id;
    const account = (await cloud.osJson<{ Account: string }>('sovcloud-admin', ['object', 'store', 'account', 'show'])).Account;
    const post = await fetch(`${cloud.objectUrl}/swift/v1/${account}/expiring/short-lived.txt`, { method: 'POST', headers: { 'X-Auth-Token': token, 'X-Delete-After': '1' } });
    assert.equal(post.status, 202);
    let keysLeft: string[] = [];
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(500)) {
      keysLeft = ((await awsJson(cloud, keys, ['s3api', 'list-objects-v2', '--bucket', 'expiring'])).Contents ?? []).map((o: { Key: string }) => o.Key);
      if (keysLeft.length === 1) break;
    }
    assert.deepEqual(keysLeft, ['keep/b']);
  });

  it('enforces an account quota set by an admin, in S3 and in Swift', async () => {
    const used = (await cloud.osJson<{ Bytes: number }>('sovcloud-admin', ['object', 'store', 'account', 'show'])).Bytes;
    const set = await cloud.os('sovcloud-admin', ['object', 'store', 'account', 'set', '--property', `Quota-Bytes=${Number(used) + 1000}`]);
    assert.equal(set.code, 0, set.stderr);
    const answers = await boto3(cloud, keys, `
result = {'over': error(s3.put_object, Bucket='expiring', Key='big', Body=b'x' * 2000)['Code'],
          'under': s3.put_object(Bucket='expiring', Key='small', Body=b'x' * 500)['ResponseMetadata']['HTTPStatusCode']}
`);
    assert.deepEqual(answers, { over: 'QuotaExceeded', under: 200 });
    const file = join(work, 'over-quota.bin');
    await writeFile(file, randomBytes(2000));
    const swift = await cloud.os('sovcloud-admin', ['object', 'create', 'expiring', file]);
    assert.notEqual(swift.code, 0);
    assert.match(swift.stderr, /413|quota/i);
    const unset = await cloud.os('sovcloud-admin', ['object', 'store', 'account', 'unset', '--property', 'Quota-Bytes']);
    assert.equal(unset.code, 0, unset.stderr);
    await awsJson(cloud, keys, ['s3api', 'put-object', '--bucket', 'expiring', '--key', 'big', '--body', file]);
  });
});
