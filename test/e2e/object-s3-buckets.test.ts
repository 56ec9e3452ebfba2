import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startCloud, type Cloud } from './harness.ts';
import { aws, awsJson, boto3, ec2Credentials, projectMember, s3cmd, type S3Keys } from './s3-clients.ts';

// Bucket-level S3 through the clients people use: boto3, awscli's s3api and s3cmd (SigV4 and
// SigV2). Cases run in file order on one cloud; each uses buckets of its own.

function curl(args: string[]): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-s', '-i', ...args], { timeout: 30_000 }, (error, stdout) => {
      if (error) return reject(error);
      const [head = '', ...rest] = stdout.split('\r\n\r\n');
      const lines = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ status: Number(lines[0]!.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
    });
  });
}

describe('S3 buckets', () => {
  let cloud: Cloud;
  let keys: S3Keys;
  let projectName: string;

  before(async () => {
    cloud = await startCloud(['--no-project-defaults']);
    keys = await ec2Credentials(cloud);
    projectName = (await cloud.osJson<{ name: string }>('sovcloud-admin', ['project', 'show', keys.projectId])).name;
  });
  after(async () => {
    await cloud?.stop();
  });

  it('boto3: creates, heads, lists, locates and deletes buckets with S3 error codes', async () => {
    const r = await boto3(cloud, keys, `
s3.create_bucket(Bucket='b3-life', CreateBucketConfiguration={'LocationConstraint': 'RegionOne'})
head = s3.head_bucket(Bucket='b3-life')
listed = s3.list_buckets()
result = {
  'region': head['ResponseMetadata']['HTTPHeaders'].get('x-amz-bucket-region'),
  'owner': listed['Owner'],
  'names': [b['Name'] for b in listed['Buckets']],
  'created': listed['Buckets'][0]['CreationDate'],
  'location': s3.get_bucket_location(Bucket='b3-life')['LocationConstraint'],
  'again': error(s3.create_bucket, Bucket='b3-life')['Code'],
  'region_other': error(s3.create_bucket, Bucket='b3-other', CreateBucketConfiguration={'LocationConstraint': 'eu-west-1'})['Code'],
}
s3.put_object(Bucket='b3-life', Key='k', Body=b'x')
result['not_empty'] = error(s3.delete_bucket, Bucket='b3-life')
s3.delete_object(Bucket='b3-life', Key='k')
result['deleted'] = s3.delete_bucket(Bucket='b3-life')['ResponseMetadata']['HTTPStatusCode']
result['gone'] = error(s3.head_bucket, Bucket='b3-life')['Status']
result['gone_location'] = error(s3.get_bucket_location, Bucket='b3-life')['Code']
`);
    assert.equal(r.region, 'RegionOne');
    assert.deepEqual(r.owner, { ID: keys.projectId, DisplayName: projectName });
    assert.deepEqual(r.names, ['b3-life']);
    assert.match(r.created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$/);
    assert.equal(r.location, 'RegionOne');
    assert.equal(r.again, 'BucketAlreadyOwnedByYou');
    assert.equal(r.region_other, 'InvalidLocationConstraint');
    assert.equal(r.not_empty.Code, 'BucketNotEmpty');
    assert.equal(r.not_empty.Status, 409);
    assert.equal(r.not_empty.Error.BucketName, 'b3-life');
    assert.equal(r.deleted, 204);
    assert.equal(r.gone, 404);
    assert.equal(r.gone_location, 'NoSuchBucket');
  });

  it('refuses every bucket name AWS refuses', async () => {
    const bad = ['ab', 'a'.repeat(64), 'UpperCase', 'under_score', '-leading', 'trailing-', '.dot', 'dot.', 'a..b', '192.168.5.4', 'xn--punycode', 'name-s3alias'];
    const good = ['abc', 'a'.repeat(63), 'dots.and-dashes.9', '192.168.5.4x'];
    // Raw requests: botocore would refuse some of these names itself before sending them.
    const r = await boto3(cloud, keys, `
result = {}
for name in args['bad'] + args['good']:
    res = raw('PUT', '/' + name)
    result[name] = res['status'] if res['status'] == 200 else res['body']
for name in args['good']:
    s3.delete_bucket(Bucket=name)
`, { bad, good });
    for (const name of bad) assert.match(String(r[name]), /<Code>InvalidBucketName<\/Code>.*<BucketName>/, `${name}: ${r[name]}`);
    for (const name of good) assert.equal(r[name], 200, `${name}: ${r[name]}`);
  });

  it('boto3: versioning, CORS, policy, ACL, tagging, lifecycle and encryption round-trip; missing ones have their own codes', async () => {
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Sid: 'read', Effect: 'Allow', Principal: '*', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::b3-conf/*'] }],
    });
    const r = await boto3(cloud, keys, `
B = 'b3-conf'
s3.create_bucket(Bucket=B)
result = {'missing': {
  'cors': error(s3.get_bucket_cors, Bucket=B)['Code'],
  'policy': error(s3.get_bucket_policy, Bucket=B)['Code'],
  'tagging': error(s3.get_bucket_tagging, Bucket=B)['Code'],
  'lifecycle': error(s3.get_bucket_lifecycle_configuration, Bucket=B)['Code'],
  'encryption': error(s3.get_bucket_encryption, Bucket=B)['Code'],
}}
result['versioning_before'] = s3.get_bucket_versioning(Bucket=B).get('Status')
s3.put_bucket_versioning(Bucket=B, VersioningConfiguration={'Status': 'Enabled', 'MFADelete': 'Disabled'})
result['versioning'] = s3.get_bucket_versioning(Bucket=B)['Status']
s3.put_bucket_versioning(Bucket=B, VersioningConfiguration={'Status': 'Suspended'})
result['suspended'] = s3.get_bucket_versioning(Bucket=B)['Status']

cors = {'CORSRules': [{'ID': 'web', 'AllowedOrigins': ['https://*.example.org'], 'AllowedMethods': ['GET', 'PUT'],
                       'AllowedHeaders': ['*'], 'ExposeHeaders': ['ETag'], 'MaxAgeSeconds': 600}]}
s3.put_bucket_cors(Bucket=B, CORSConfiguration=cors)
result['cors'] = s3.get_bucket_cors(Bucket=B)['CORSRules']
result['cors_bad'] = error(s3.put_bucket_cors, Bucket=B, CORSConfiguration={'CORSRules': [{'AllowedOrigins': ['*'], 'AllowedMethods': ['PATCH']}]})['Code']

s3.put_bucket_policy(Bucket=B, Policy=args['policy'])
result['policy'] = json.loads(s3.get_bucket_policy(Bucket=B)['Policy'])
result['policy_status'] = s3.get_bucket_policy_status(Bucket=B)['PolicyStatus']
result['policy_bad'] = error(s3.put_bucket_policy, Bucket=B, Policy='{"Version": "2012-10-17", "Statement": [{"Effect": "Allow"}]}')['Code']
result['policy_not_json'] = error(s3.put_bucket_policy, Bucket=B, Policy='not json')['Code']
s3.delete_bucket_policy(Bucket=B)
result['policy_deleted'] = error(s3.get_bucket_policy, Bucket=B)['Code']

result['acl_private'] = s3.get_bucket_acl(Bucket=B)
s3.put_bucket_acl(Bucket=B, ACL='public-read')
acl = s3.get_bucket_acl(Bucket=B)
result['acl_public'] = acl['Grants']
s3.put_bucket_acl(Bucket=B, ACL='private')
s3.put_bucket_acl(Bucket=B, AccessControlPolicy={'Grants': acl['Grants'], 'Owner': acl['Owner']})
result['acl_from_policy'] = len(s3.get_bucket_acl(Bucket=B)['Grants'])
result['acl_foreign'] = error(s3.put_bucket_acl, Bucket=B, AccessControlPolicy={'Owner': acl['Owner'], 'Grants': [
  {'Grantee': {'Type': 'CanonicalUser', 'ID': 'someone-else'}, 'Permission': 'READ'}]})['Code']

s3.put_bucket_tagging(Bucket=B, Tagging={'TagSet': [{'Key': 'team', 'Value': 'blue'}, {'Key': 'cost', 'Value': '42'}]})
result['tags'] = sorted((t['Key'], t['Value']) for t in s3.get_bucket_tagging(Bucket=B)['TagSet'])
result['tags_51'] = error(s3.put_bucket_tagging, Bucket=B, Tagging={'TagSet': [{'Key': 'k%d' % i, 'Value': 'v'} for i in range(51)]})['Code']
result['tag_key_129'] = error(s3.put_bucket_tagging, Bucket=B, Tagging={'TagSet': [{'Key': 'k' * 129, 'Value': 'v'}]})['Code']
result['tag_value_257'] = error(s3.put_bucket_tagging, Bucket=B, Tagging={'TagSet': [{'Key': 'k', 'Value': 'v' * 257}]})['Code']
s3.put_bucket_tagging(Bucket=B, Tagging={'TagSet': [{'Key': 'k%d' % i, 'Value': 'v'} for i in range(50)]})
result['tags_50'] = len(s3.get_bucket_tagging(Bucket=B)['TagSet'])
s3.delete_bucket_tagging(Bucket=B)
result['tags_deleted'] = error(s3.get_bucket_tagging, Bucket=B)['Code']

rules = [
  {'ID': 'logs', 'Filter': {'Prefix': 'logs/'}, 'Status': 'Enabled', 'Expiration': {'Days': 30},
   'NoncurrentVersionExpiration': {'NoncurrentDays': 7}, 'AbortIncompleteMultipartUpload': {'DaysAfterInitiation': 2}},
  {'ID': 'tmp', 'Filter': {'And': {'Prefix': 'tmp/', 'Tags': [{'Key': 'a', 'Value': '1'}, {'Key': 'b', 'Value': '2'}]}},
   'Status': 'Disabled', 'Expiration': {'Date': '2031-01-01T00:00:00Z'}},
  {'ID': 'markers', 'Filter': {'Prefix': ''}, 'Status': 'Enabled', 'Expiration': {'ExpiredObjectDeleteMarker': True}},
]
s3.put_bucket_lifecycle_configuration(Bucket=B, LifecycleConfiguration={'Rules': rules})
result['lifecycle'] = s3.get_bucket_lifecycle_configuration(Bucket=B)['Rules']
result['lifecycle_bad_days'] = error(s3.put_bucket_lifecycle_configuration, Bucket=B, LifecycleConfiguration={'Rules': [
  {'ID': 'x', 'Filter': {'Prefix': ''}, 'Status': 'Enabled', 'Expiration': {'Days': 0}}]})['Code']
s3.delete_bucket_lifecycle(Bucket=B)
result['lifecycle_deleted'] = error(s3.get_bucket_lifecycle_configuration, Bucket=B)['Code']

s3.put_bucket_encryption(Bucket=B, ServerSideEncryptionConfiguration={'Rules': [{'ApplyServerSideEncryptionByDefault': {'SSEAlgorithm': 'AES256'}}]})
result['encryption'] = s3.get_bucket_encryption(Bucket=B)['ServerSideEncryptionConfiguration']['Rules']
result['encryption_kms'] = error(s3.put_bucket_encryption, Bucket=B, ServerSideEncryptionConfiguration={'Rules': [
  {'ApplyServerSideEncryptionByDefault': {'SSEAlgorithm': 'aws:kms', 'KMSMasterKeyID': 'k'}}]})['Status']
s3.delete_bucket_encryption(Bucket=B)
result['encryption_deleted'] = error(s3.get_bucket_encryption, Bucket=B)['Code']
s3.delete_bucket_cors(Bucket=B)
result['cors_deleted'] = error(s3.get_bucket_cors, Bucket=B)['Code']
`, { policy });
    assert.deepEqual(r.missing, {
      cors: 'NoSuchCORSConfiguration', policy: 'NoSuchBucketPolicy', tagging: 'NoSuchTagSet',
      lifecycle: 'NoSuchLifecycleConfiguration', encryption: 'ServerSideEncryptionConfigurationNotFoundError',
    });
    assert.equal(r.versioning_before, null);
    assert.equal(r.versioning, 'Enabled');
    assert.equal(r.suspended, 'Suspended');
    assert.deepEqual(r.cors, [{ ID: 'web', AllowedOrigins: ['https://*.example.org'], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['*'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 600 }]);
    assert.equal(r.cors_bad, 'InvalidRequest');
    assert.deepEqual(r.policy, JSON.parse(policy));
    assert.deepEqual(r.policy_status, { IsPublic: true });
    assert.equal(r.policy_bad, 'MalformedPolicy');
    assert.equal(r.policy_not_json, 'MalformedPolicy');
    assert.equal(r.policy_deleted, 'NoSuchBucketPolicy');
    assert.deepEqual(r.acl_private.Owner, { ID: keys.projectId, DisplayName: projectName });
    assert.deepEqual(r.acl_private.Grants, [{ Grantee: { ID: keys.projectId, DisplayName: projectName, Type: 'CanonicalUser' }, Permission: 'FULL_CONTROL' }]);
    assert.deepEqual(r.acl_public[1], { Grantee: { URI: 'http://acs.amazonaws.com/groups/global/AllUsers', Type: 'Group' }, Permission: 'READ' });
    assert.equal(r.acl_from_policy, 2);
    assert.equal(r.acl_foreign, 'NotImplemented');
    assert.deepEqual(r.tags, [['cost', '42'], ['team', 'blue']]);
    assert.equal(r.tags_51, 'InvalidTag');
    assert.equal(r.tag_key_129, 'InvalidTag');
    assert.equal(r.tag_value_257, 'InvalidTag');
    assert.equal(r.tags_50, 50);
    assert.equal(r.tags_deleted, 'NoSuchTagSet');
    assert.deepEqual(r.lifecycle, [
      { ID: 'logs', Filter: { Prefix: 'logs/' }, Status: 'Enabled', Expiration: { Days: 30 }, NoncurrentVersionExpiration: { NoncurrentDays: 7 }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 2 } },
      { ID: 'tmp', Filter: { And: { Prefix: 'tmp/', Tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }] } }, Status: 'Disabled', Expiration: { Date: '2031-01-01T00:00:00+00:00' } },
      { ID: 'markers', Filter: { Prefix: '' }, Status: 'Enabled', Expiration: { ExpiredObjectDeleteMarker: true } },
    ]);
    assert.equal(r.lifecycle_bad_days, 'InvalidArgument');
    assert.equal(r.lifecycle_deleted, 'NoSuchLifecycleConfiguration');
    assert.deepEqual(r.encryption, [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: false }]);
    assert.equal(r.encryption_kms, 501);
    assert.equal(r.encryption_deleted, 'ServerSideEncryptionConfigurationNotFoundError');
    assert.equal(r.cors_deleted, 'NoSuchCORSConfiguration');
  });

  it('awscli s3api: bucket lifecycle, tagging, CORS and ACL', async () => {
    await awsJson(cloud, keys, ['s3api', 'create-bucket', '--bucket', 'cli-bucket', '--acl', 'authenticated-read']);
    await awsJson(cloud, keys, ['s3api', 'head-bucket', '--bucket', 'cli-bucket']);
    const acl = await awsJson(cloud, keys, ['s3api', 'get-bucket-acl', '--bucket', 'cli-bucket']);
    assert.deepEqual(acl.Grants.map((g: { Grantee: { URI?: string }; Permission: string }) => [g.Grantee.URI ?? 'owner', g.Permission]), [
      ['owner', 'FULL_CONTROL'], ['http://acs.amazonaws.com/groups/global/AuthenticatedUsers', 'READ'],
    ]);
    await awsJson(cloud, keys, ['s3api', 'put-bucket-tagging', '--bucket', 'cli-bucket', '--tagging', 'TagSet=[{Key=env,Value=test}]']);
    assert.deepEqual((await awsJson(cloud, keys, ['s3api', 'get-bucket-tagging', '--bucket', 'cli-bucket'])).TagSet, [{ Key: 'env', Value: 'test' }]);
    await awsJson(cloud, keys, ['s3api', 'put-bucket-cors', '--bucket', 'cli-bucket', '--cors-configuration', JSON.stringify({ CORSRules: [{ AllowedOrigins: ['*'], AllowedMethods: ['GET'] }] })]);
    assert.deepEqual((await awsJson(cloud, keys, ['s3api', 'get-bucket-cors', '--bucket', 'cli-bucket'])).CORSRules, [{ AllowedOrigins: ['*'], AllowedMethods: ['GET'] }]);
    const listed = await awsJson(cloud, keys, ['s3api', 'list-buckets']);
    assert.ok(listed.Buckets.some((b: { Name: string }) => b.Name === 'cli-bucket'));
    const missing = await aws(cloud, keys, ['s3api', 'get-bucket-policy', '--bucket', 'cli-bucket']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /NoSuchBucketPolicy/);
    await awsJson(cloud, keys, ['s3api', 'delete-bucket', '--bucket', 'cli-bucket']);
    const gone = await aws(cloud, keys, ['s3api', 'head-bucket', '--bucket', 'cli-bucket']);
    assert.match(gone.stderr, /404/);
  });

  for (const signatureV2 of [false, true]) {
    it(`s3cmd (${signatureV2 ? 'SigV2' : 'SigV4'}): mb, ls, setacl, setcors, setpolicy, info, rb`, async () => {
      const bucket = signatureV2 ? 's3cmd-v2' : 's3cmd-v4';
      const run = async (args: string[]) => {
        const r = await s3cmd(cloud, keys, args, { signatureV2 });
        assert.equal(r.code, 0, `s3cmd ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
        return r.stdout;
      };
      await run(['mb', `s3://${bucket}`]);
      assert.match(await run(['ls']), new RegExp(`s3://${bucket}`));
      await run(['setacl', '--acl-public', `s3://${bucket}`]);
      const dir = await mkdtemp(join(tmpdir(), 's3cmd-'));
      const cors = join(dir, 'cors.xml');
      await writeFile(cors, '<CORSConfiguration><CORSRule><AllowedOrigin>https://a.test</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>');
      await run(['setcors', cors, `s3://${bucket}`]);
      const policy = join(dir, 'policy.json');
      await writeFile(policy, JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` }] }));
      await run(['setpolicy', policy, `s3://${bucket}`]);
      const info = await run(['info', `s3://${bucket}`]);
      assert.match(info, /Location:\s+RegionOne/);
      assert.match(info, /ACL:\s+\*anon\*: READ/);
      assert.match(info, /CORS:\s+.*https:\/\/a\.test/s);
      assert.match(info, /Policy:\s+.*s3:GetObject/s);
      await run(['delpolicy', `s3://${bucket}`]);
      await run(['delcors', `s3://${bucket}`]);
      assert.match(await run(['info', `s3://${bucket}`]), /Policy:\s+none/);
      await run(['rb', `s3://${bucket}`]);
      assert.doesNotMatch(await run(['ls']), new RegExp(`s3://${bucket}`));
      await rm(dir, { recursive: true, force: true });
    });
  }

  it("another project's keys get AccessDenied on the bucket and do not see it", async () => {
    const stranger = await ec2Credentials(cloud, (await projectMember(cloud, 'bucket-stranger')).auth);
    await boto3(cloud, keys, "s3.create_bucket(Bucket='b3-mine')");
    const r = await boto3(cloud, stranger, `
B = 'b3-mine'
result = {
  'head': error(s3.head_bucket, Bucket=B)['Status'],
  'versioning': error(s3.put_bucket_versioning, Bucket=B, VersioningConfiguration={'Status': 'Enabled'})['Code'],
  'policy': error(s3.get_bucket_policy, Bucket=B)['Code'],
  'acl': error(s3.put_bucket_acl, Bucket=B, ACL='public-read-write')['Code'],
  'cors': error(s3.put_bucket_cors, Bucket=B, CORSConfiguration={'CORSRules': [{'AllowedOrigins': ['*'], 'AllowedMethods': ['GET']}]})['Code'],
  'delete': error(s3.delete_bucket, Bucket=B)['Code'],
  'create': error(s3.create_bucket, Bucket=B)['Code'],
  'mine': [b['Name'] for b in s3.list_buckets()['Buckets']],
}`);
    assert.deepEqual(r, { head: 403, versioning: 'AccessDenied', policy: 'AccessDenied', acl: 'AccessDenied', cors: 'AccessDenied', delete: 'AccessDenied', create: 'BucketAlreadyExists', mine: [] });
    assert.deepEqual(await boto3(cloud, keys, "result = s3.get_bucket_acl(Bucket='b3-mine')['Grants'][1:]"), []);
  });

  it('unknown keys, wrong secrets and anonymous callers are refused as S3 refuses them', async () => {
    const r = await boto3(cloud, keys, `
result = {
  'unknown': error(client(access='AKIAUNKNOWNKEY000000').list_buckets),
  'bad_secret': error(client(secret='not-the-secret').list_buckets)['Code'],
  'anonymous': raw('GET', '/', sign=False),
}`);
    assert.equal(r.unknown.Status, 403);
    assert.equal(r.unknown.Code, 'InvalidAccessKeyId');
    assert.equal(r.unknown.Error.AWSAccessKeyId, 'AKIAUNKNOWNKEY000000');
    assert.equal(r.bad_secret, 'SignatureDoesNotMatch');
    assert.equal(r.anonymous.status, 403);
    assert.match(r.anonymous.body, /<Code>AccessDenied<\/Code>/);
    assert.equal(r.anonymous.headers['content-type'], 'application/xml');
    assert.match(r.anonymous.headers['x-amz-request-id'], /^[0-9A-F]{16}$/);
  });

  it('a key stops working within seconds once its user loses the project role', async () => {
    const member = await projectMember(cloud, 'bucket-leaver');
    const leaver = await ec2Credentials(cloud, member.auth);
    assert.deepEqual(await boto3(cloud, leaver, "result = [b['Name'] for b in s3.list_buckets()['Buckets']]"), []);
    const r = await cloud.os('sovcloud-admin', ['role', 'remove', '--project', 'bucket-leaver', '--user', 'bucket-leaver-user', 'member']);
    assert.equal(r.code, 0, r.stderr);
    await sleep(6_000);
    assert.equal((await boto3(cloud, leaver, 'result = error(s3.list_buckets)')).Code, 'InvalidAccessKeyId');
  });

  it('virtual-host style: the bucket in the Host header, signed as botocore signs it', async () => {
    const host = `b3-vhost.localhost:${new URL(cloud.objectUrl).port}`;
    const r = await boto3(cloud, keys, `
s3.create_bucket(Bucket='b3-vhost')
s3.put_object(Bucket='b3-vhost', Key='dir//file/', Body=b'v')
result = {
  'head': raw('HEAD', '/', host=args['host'])['status'],
  'list': raw('GET', '/', query='list-type=2', host=args['host'])['body'],
  'object': raw('GET', '/dir//file/', host=args['host'])['body'],
  'versioning': raw('PUT', '/', query='versioning', host=args['host'],
                    body='<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>')['status'],
}
result['versioning_after'] = s3.get_bucket_versioning(Bucket='b3-vhost')['Status']
`, { host });
    assert.equal(r.head, 200);
    assert.match(r.list, /<Key>dir\/\/file\/<\/Key>/);
    assert.equal(r.object, 'v');
    assert.equal(r.versioning, 200);
    assert.equal(r.versioning_after, 'Enabled');
  });

  it('CORS preflight with curl answers from the bucket rules', async () => {
    await boto3(cloud, keys, `
s3.create_bucket(Bucket='b3-cors')
s3.put_bucket_cors(Bucket='b3-cors', CORSConfiguration={'CORSRules': [
  {'AllowedOrigins': ['https://app.example.org'], 'AllowedMethods': ['PUT', 'GET'], 'AllowedHeaders': ['content-type', 'x-amz-*'], 'ExposeHeaders': ['ETag'], 'MaxAgeSeconds': 120}]})
`);
    const url = `${cloud.objectUrl}/b3-cors/upload.bin`;
    const allowed = await curl(['-X', 'OPTIONS', url, '-H', 'Origin: https://app.example.org', '-H', 'Access-Control-Request-Method: PUT', '-H', 'Access-Control-Request-Headers: Content-Type, X-Amz-Date']);
    assert.equal(allowed.status, 200, allowed.body);
    assert.equal(allowed.headers['access-control-allow-origin'], 'https://app.example.org');
    assert.equal(allowed.headers['access-control-allow-methods'], 'PUT, GET');
    assert.equal(allowed.headers['access-control-allow-headers'], 'content-type, x-amz-date');
    assert.equal(allowed.headers['access-control-expose-headers'], 'ETag');
    assert.equal(allowed.headers['access-control-max-age'], '120');
    const otherOrigin = await curl(['-X', 'OPTIONS', url, '-H', 'Origin: https://evil.test', '-H', 'Access-Control-Request-Method: PUT']);
    assert.equal(otherOrigin.status, 403);
    assert.match(otherOrigin.body, /<Message>CORSResponse: This CORS request is not allowed\./);
    const otherMethod = await curl(['-X', 'OPTIONS', url, '-H', 'Origin: https://app.example.org', '-H', 'Access-Control-Request-Method: DELETE']);
    assert.equal(otherMethod.status, 403);
    const noOrigin = await curl(['-X', 'OPTIONS', url, '-H', 'Access-Control-Request-Method: PUT']);
    assert.equal(noOrigin.status, 400);
    const actual = await curl([url, '-H', 'Origin: https://app.example.org']);
    assert.equal(actual.status, 403, 'an anonymous GET of a private object is refused');
    assert.equal(actual.headers['access-control-allow-origin'], 'https://app.example.org');
  });
});
