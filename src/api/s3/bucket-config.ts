import type { CorsRule, Tags } from '../../services/object-storage/types.ts';
import { element, many, notConfigured, readConfig, text } from './bucket-request.ts';
import type { S3Call, S3Routes } from './context.ts';
import { checkTags, sendXml } from './object-headers.ts';
import { S3Error } from './s3-error.ts';
import { malformedXml, toXml } from './xml.ts';

// CORS, policy, tagging and default encryption: each configuration is stored whole on the
// bucket, replaced by PUT, removed by DELETE; GET without one is the configuration's own 404.

const CORS_METHODS = ['GET', 'PUT', 'HEAD', 'POST', 'DELETE'];
const MAX_CORS_RULES = 100;
const MAX_BUCKET_TAGS = 50;
/** S3's limit on a bucket policy document. */
const MAX_POLICY_BYTES = 20 * 1024;

function noContent(call: S3Call): void {
  call.reply.code(204).send();
}

function config(call: S3Call) {
  return call.objects.getBucket(call.caller, call.bucket!, 's3:GetBucketConfig');
}

function strings(value: unknown): string[] {
  return many(value).map((v) => {
    const s = text(v);
    if (s === undefined) throw malformedXml();
    return s;
  });
}

function oneWildcard(kind: string, values: string[]): void {
  const bad = values.find((v) => v.indexOf('*') !== v.lastIndexOf('*'));
  if (bad !== undefined) throw new S3Error('InvalidRequest', `${kind} "${bad}" can not have more than one wildcard.`, 400);
}

export function parseCors(doc: Record<string, unknown>): CorsRule[] {
  const rules = many(doc.CORSRule);
  if (rules.length === 0) throw malformedXml();
  if (rules.length > MAX_CORS_RULES) throw new S3Error('InvalidRequest', `The CORS configuration cannot have more than ${MAX_CORS_RULES} rules.`, 400);
  return rules.map((r) => {
    const rule = element(r);
    const allowedOrigins = strings(rule.AllowedOrigin);
    const allowedMethods = strings(rule.AllowedMethod);
    if (!allowedOrigins.length || !allowedMethods.length) throw malformedXml();
    const unsupported = allowedMethods.find((m) => !CORS_METHODS.includes(m));
    if (unsupported !== undefined) {
      throw new S3Error('InvalidRequest', `Found unsupported HTTP method in CORS config. Unsupported method is ${unsupported}`, 400);
    }
    const allowedHeaders = strings(rule.AllowedHeader);
    oneWildcard('AllowedOrigin', allowedOrigins);
    oneWildcard('AllowedHeader', allowedHeaders);
    const parsed: CorsRule = { allowedOrigins, allowedMethods, allowedHeaders, exposeHeaders: strings(rule.ExposeHeader) };
    const id = text(rule.ID);
    if (id !== undefined) {
      if (id.length > 255) throw new S3Error('InvalidArgument', 'ID length should not exceed allowed limit of 255', 400, { ArgumentName: 'ID', ArgumentValue: id });
      parsed.id = id;
    }
    const maxAge = text(rule.MaxAgeSeconds);
    if (maxAge !== undefined) {
      if (!/^\d{1,9}$/.test(maxAge)) throw malformedXml();
      parsed.maxAgeSeconds = Number(maxAge);
    }
    return parsed;
  });
}

export function corsXml(rules: CorsRule[]): string {
  return toXml('CORSConfiguration', {
    CORSRule: rules.map((r) => ({
      ...(r.id !== undefined ? { ID: r.id } : {}),
      AllowedHeader: r.allowedHeaders,
      AllowedMethod: r.allowedMethods,
      AllowedOrigin: r.allowedOrigins,
      ExposeHeader: r.exposeHeaders,
      ...(r.maxAgeSeconds !== undefined ? { MaxAgeSeconds: r.maxAgeSeconds } : {}),
    })),
  });
}

async function getCors(call: S3Call): Promise<void> {
  const bucket = await config(call);
  if (!bucket.cors?.length) throw notConfigured('cors', bucket.name);
  sendXml(call.reply, corsXml(bucket.cors));
}

async function putCors(call: S3Call): Promise<void> {
  const cors = parseCors(await readConfig(call, 'CORSConfiguration'));
  await call.objects.updateBucket(call.caller, call.bucket!, { cors });
  call.reply.code(200).send();
}

async function deleteCors(call: S3Call): Promise<void> {
  await call.objects.updateBucket(call.caller, call.bucket!, { cors: null });
  noContent(call);
}

/** The tag rules of object tagging, with the bucket's own limit on their number. */
export function parseBucketTagging(doc: Record<string, unknown>): Tags {
  if (doc.TagSet === undefined) throw malformedXml();
  const pairs = many(element(doc.TagSet).Tag).map((t): [string, string] => {
    const tag = element(t);
    const key = text(tag.Key);
    if (key === undefined) throw malformedXml();
    return [key, text(tag.Value) ?? ''];
  });
  if (pairs.length > MAX_BUCKET_TAGS) throw new S3Error('InvalidTag', `Bucket tag count cannot be greater than ${MAX_BUCKET_TAGS}`, 400);
  const tags: Tags = {};
  for (const [key, value] of pairs) {
    if (Object.hasOwn(tags, key)) throw new S3Error('InvalidTag', 'Cannot provide multiple Tags with the same key', 400);
    Object.assign(tags, checkTags([[key, value]]));
  }
  return tags;
}

async function getTagging(call: S3Call): Promise<void> {
  const bucket = await config(call);
  const tags = Object.entries(bucket.tags ?? {});
  if (!tags.length) throw notConfigured('tagging', bucket.name);
  sendXml(call.reply, toXml('Tagging', { TagSet: { Tag: tags.map(([Key, Value]) => ({ Key, Value })) } }));
}

async function putTagging(call: S3Call): Promise<void> {
  const tags = parseBucketTagging(await readConfig(call, 'Tagging'));
  await call.objects.updateBucket(call.caller, call.bucket!, { tags: Object.keys(tags).length ? tags : null });
  noContent(call);
}

async function deleteTagging(call: S3Call): Promise<void> {
  await call.objects.updateBucket(call.caller, call.bucket!, { tags: null });
  noContent(call);
}

/** One rule applying AES256 (SSE-S3); KMS does not exist here. */
export function parseEncryption(doc: Record<string, unknown>): { algorithm: 'AES256' } {
  const rules = many(doc.Rule);
  if (rules.length !== 1) throw malformedXml();
  const byDefault = element(element(rules[0]).ApplyServerSideEncryptionByDefault);
  const algorithm = text(byDefault.SSEAlgorithm);
  if (algorithm === 'aws:kms' || algorithm === 'aws:kms:dsse') throw new S3Error('NotImplemented', 'SSE-KMS is not supported; use AES256.', 501);
  if (algorithm !== 'AES256') throw malformedXml();
  if (byDefault.KMSMasterKeyID !== undefined) {
    throw new S3Error('InvalidArgument', 'a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse', 400, {
      ArgumentName: 'ApplyServerSideEncryptionByDefault',
    });
  }
  return { algorithm };
}

async function getEncryption(call: S3Call): Promise<void> {
  const bucket = await config(call);
  if (!bucket.encryption) throw notConfigured('encryption', bucket.name);
  sendXml(call.reply, toXml('ServerSideEncryptionConfiguration', {
    Rule: { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: bucket.encryption.algorithm }, BucketKeyEnabled: 'false' },
  }));
}

async function putEncryption(call: S3Call): Promise<void> {
  const encryption = parseEncryption(await readConfig(call, 'ServerSideEncryptionConfiguration'));
  await call.objects.updateBucket(call.caller, call.bucket!, { encryption });
  call.reply.code(200).send();
}

async function deleteEncryption(call: S3Call): Promise<void> {
  await call.objects.updateBucket(call.caller, call.bucket!, { encryption: null });
  noContent(call);
}

async function getPolicy(call: S3Call): Promise<void> {
  const bucket = await config(call);
  if (bucket.policy === undefined) throw notConfigured('policy', bucket.name);
  call.reply.code(200).header('content-type', 'application/json').send(bucket.policy);
}

/** The document is validated by the object layer, which also enforces it. */
async function putPolicy(call: S3Call): Promise<void> {
  const body = await call.readBody(MAX_POLICY_BYTES);
  await call.objects.updateBucket(call.caller, call.bucket!, { policy: body.toString('utf8') });
  noContent(call);
}

async function deletePolicy(call: S3Call): Promise<void> {
  await call.objects.updateBucket(call.caller, call.bucket!, { policy: null });
  noContent(call);
}

/** Public when a statement allows everyone unconditionally (S3's rule, minus condition analysis). */
export function policyIsPublic(policy: string): boolean {
  const doc = JSON.parse(policy) as { Statement?: unknown };
  return many(doc.Statement).some((s) => {
    const { Effect, Principal, Condition } = s as { Effect?: unknown; Principal?: { AWS?: unknown } | string; Condition?: unknown };
    if (Effect !== 'Allow' || Condition !== undefined) return false;
    return Principal === '*' || (typeof Principal === 'object' && many(Principal.AWS).includes('*'));
  });
}

async function getPolicyStatus(call: S3Call): Promise<void> {
  const bucket = await config(call);
  if (bucket.policy === undefined) throw notConfigured('policy', bucket.name);
  sendXml(call.reply, toXml('PolicyStatus', { IsPublic: String(policyIsPublic(bucket.policy)) }));
}

export const bucketConfigRoutes: S3Routes = {
  'GET bucket cors': getCors,
  'PUT bucket cors': putCors,
  'DELETE bucket cors': deleteCors,
  'GET bucket tagging': getTagging,
  'PUT bucket tagging': putTagging,
  'DELETE bucket tagging': deleteTagging,
  'GET bucket encryption': getEncryption,
  'PUT bucket encryption': putEncryption,
  'DELETE bucket encryption': deleteEncryption,
  'GET bucket policy': getPolicy,
  'PUT bucket policy': putPolicy,
  'DELETE bucket policy': deletePolicy,
  'GET bucket policyStatus': getPolicyStatus,
};
