import { projectId } from '../../platform/auth.ts';
import { ObjectError } from '../../services/object-storage/errors.ts';
import { REGION } from '../../services/object-storage/index.ts';
import type { CannedAcl } from '../../services/object-storage/types.ts';
import { header } from './auth/request.ts';
import { cannedAclHeader } from './bucket-acl.ts';
import { element, owner, readConfig, text } from './bucket-request.ts';
import type { S3Call, S3Routes } from './context.ts';
import { sendXml } from './object-headers.ts';
import { invalidArgument } from './auth/errors.ts';
import { S3Error } from './s3-error.ts';
import { malformedXml, parseXml, toXml } from './xml.ts';

/**
 * ListBuckets: the caller's project's buckets (the service root is never anonymous), optionally
 * by prefix and region and paged by `max-buckets` with an opaque continuation token.
 */
async function listBuckets(call: S3Call): Promise<void> {
  const project = call.caller ? projectId(call.caller) : undefined;
  if (!project) throw new ObjectError('AccessDenied', 'Access Denied');
  const { query } = call;
  const prefix = query.get('prefix') ?? '';
  const region = query.get('bucket-region');
  const max = query.get('max-buckets');
  if (max !== null && !(/^\d{1,5}$/.test(max) && Number(max) >= 1 && Number(max) <= 10000)) {
    throw invalidArgument('Argument max-buckets must be an integer between 1 and 10000', 'max-buckets', max);
  }
  const token = query.get('continuation-token');
  const after = token === null ? '' : Buffer.from(token, 'base64url').toString('utf8');
  if (token !== null && (!after || Buffer.from(after).toString('base64url') !== token)) {
    throw invalidArgument('The continuation token provided is incorrect', 'continuation-token', token);
  }
  const matching = (await call.objects.listBuckets(call.caller, project))
    .filter((b) => b.name.startsWith(prefix) && b.name > after && (region === null || b.region === region));
  const page = max === null ? matching : matching.slice(0, Number(max));
  const next = page.length < matching.length ? Buffer.from(page.at(-1)!.name).toString('base64url') : undefined;
  sendXml(call.reply, toXml('ListAllMyBucketsResult', {
    Owner: owner(call, project),
    Buckets: page.length ? { Bucket: page.map((b) => ({ Name: b.name, CreationDate: b.createdAt.toISOString(), BucketRegion: b.region })) } : '',
    ...(next !== undefined ? { ContinuationToken: next } : {}),
    ...(query.has('prefix') ? { Prefix: prefix } : {}),
  }));
}

/**
 * The optional `CreateBucketConfiguration`: an empty or absent LocationConstraint is the
 * default region, anything but this cloud's region is refused as S3 refuses other regions.
 */
async function locationConstraint(call: S3Call): Promise<string | undefined> {
  const body = await call.readBody();
  if (body.length === 0) return undefined;
  const doc = parseXml(body.toString('utf8'));
  if (!('CreateBucketConfiguration' in doc)) throw malformedXml();
  const location = text(element(doc.CreateBucketConfiguration).LocationConstraint);
  if (location === undefined || location === '') return undefined;
  if (location !== REGION) {
    throw new S3Error('InvalidLocationConstraint', 'The specified location-constraint is not valid', 400, { LocationConstraint: location });
  }
  return location;
}

async function createBucket(call: S3Call): Promise<void> {
  const acl: CannedAcl | undefined = cannedAclHeader(call.req.headers);
  if (header(call.req, 'x-amz-bucket-object-lock-enabled')?.toLowerCase() === 'true') {
    throw new S3Error('NotImplemented', 'Object Lock is not supported.', 501);
  }
  const region = await locationConstraint(call);
  await call.objects.createBucket(call.caller, call.bucket!, { region, acl });
  call.reply.header('location', `/${call.bucket}`).code(200).send();
}

async function headBucket(call: S3Call): Promise<void> {
  const bucket = await call.objects.getBucket(call.caller, call.bucket!);
  call.reply.header('x-amz-bucket-region', bucket.region).header('x-amz-access-point-alias', 'false').code(200).send();
}

async function deleteBucket(call: S3Call): Promise<void> {
  await call.objects.deleteBucket(call.caller, call.bucket!);
  call.reply.code(204).send();
}

async function getLocation(call: S3Call): Promise<void> {
  const bucket = await call.objects.getBucket(call.caller, call.bucket!, 's3:GetBucketConfig');
  sendXml(call.reply, toXml('LocationConstraint', { '#text': bucket.region }));
}

async function getVersioning(call: S3Call): Promise<void> {
  const bucket = await call.objects.getBucket(call.caller, call.bucket!, 's3:GetBucketConfig');
  sendXml(call.reply, toXml('VersioningConfiguration', bucket.versioning ? { Status: bucket.versioning } : {}));
}

/** Status Enabled or Suspended; MfaDelete is accepted and ignored (there is no MFA here). */
async function putVersioning(call: S3Call): Promise<void> {
  const status = text((await readConfig(call, 'VersioningConfiguration')).Status);
  if (status !== 'Enabled' && status !== 'Suspended') throw malformedXml();
  await call.objects.updateBucket(call.caller, call.bucket!, { versioning: status });
  call.reply.code(200).send();
}

export const bucketRoutes: S3Routes = {
  'GET service -': listBuckets,
  'PUT bucket -': createBucket,
  'HEAD bucket -': headBucket,
  'DELETE bucket -': deleteBucket,
  'GET bucket location': getLocation,
  'GET bucket versioning': getVersioning,
  'PUT bucket versioning': putVersioning,
};
