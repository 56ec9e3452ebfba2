import type { LifecycleRule, Tags } from '../../services/object-storage/types.ts';
import { element, many, notConfigured, readConfig, text } from './bucket-request.ts';
import type { S3Call, S3Routes } from './context.ts';
import { sendXml } from './object-headers.ts';
import { invalidArgument } from './auth/errors.ts';
import { S3Error } from './s3-error.ts';
import { malformedXml, toXml } from './xml.ts';

// Lifecycle's expiration subset: current versions after days or at a date, expired delete
// markers, noncurrent versions after days, stale multipart uploads. Transitions need storage
// classes, which do not exist here.

const MAX_RULES = 1000;

function positiveDays(value: unknown, name: string, action: string): number | undefined {
  const days = text(value);
  if (days === undefined) return undefined;
  if (!/^\d{1,9}$/.test(days) || Number(days) < 1) throw invalidArgument(`'${name}' for ${action} action must be a positive integer`, name, days);
  return Number(days);
}

function tagOf(value: unknown): [string, string] {
  const tag = element(value);
  const key = text(tag.Key);
  if (key === undefined) throw malformedXml();
  return [key, text(tag.Value) ?? ''];
}

/** `<Filter>` with one of Prefix, Tag or And (Prefix and Tags); the legacy `<Prefix>` instead of a Filter. */
function parseFilter(rule: Record<string, unknown>): { prefix: string; tags?: Tags } {
  if (rule.Filter === undefined) {
    if (rule.Prefix === undefined) throw malformedXml();
    return { prefix: text(rule.Prefix) ?? '' };
  }
  if (rule.Prefix !== undefined) throw malformedXml();
  const filter = element(rule.Filter);
  if (filter.ObjectSizeGreaterThan !== undefined || filter.ObjectSizeLessThan !== undefined) {
    throw new S3Error('NotImplemented', 'Object size filters are not supported.', 501);
  }
  const present = ['Prefix', 'Tag', 'And'].filter((k) => filter[k] !== undefined);
  if (present.length > 1) throw malformedXml();
  if (filter.And !== undefined) {
    const and = element(filter.And);
    return { prefix: text(and.Prefix) ?? '', tags: Object.fromEntries(many(and.Tag).map(tagOf)) };
  }
  if (filter.Tag !== undefined) {
    const tags = many(filter.Tag);
    if (tags.length !== 1) throw malformedXml();
    return { prefix: '', tags: Object.fromEntries([tagOf(tags[0])]) };
  }
  return { prefix: text(filter.Prefix) ?? '' };
}

function parseExpiration(value: unknown, rule: LifecycleRule): void {
  if (value === undefined) return;
  const expiration = element(value);
  const given = ['Days', 'Date', 'ExpiredObjectDeleteMarker'].filter((k) => expiration[k] !== undefined);
  if (given.length !== 1) throw malformedXml();
  rule.expirationDays = positiveDays(expiration.Days, 'Days', 'Expiration');
  const date = text(expiration.Date);
  if (date !== undefined) {
    const at = new Date(date);
    if (Number.isNaN(at.getTime())) throw invalidArgument("'Date' must be in ISO 8601 format", 'Date', date);
    if (at.getTime() % 86_400_000 !== 0) throw invalidArgument("'Date' must be at midnight GMT", 'Date', date);
    rule.expirationDate = at.toISOString();
  }
  const marker = text(expiration.ExpiredObjectDeleteMarker);
  if (marker !== undefined) {
    if (marker !== 'true' && marker !== 'false') throw malformedXml();
    rule.expiredObjectDeleteMarker = marker === 'true';
  }
}

export function parseLifecycle(doc: Record<string, unknown>): LifecycleRule[] {
  const rules = many(doc.Rule);
  if (rules.length === 0) throw malformedXml();
  if (rules.length > MAX_RULES) throw malformedXml();
  const ids = new Set<string>();
  return rules.map((r) => {
    const rule = element(r);
    if (rule.Transition !== undefined || rule.NoncurrentVersionTransition !== undefined) {
      throw new S3Error('NotImplemented', 'Transitions are not supported: there is one storage class.', 501);
    }
    const status = text(rule.Status);
    if (status !== 'Enabled' && status !== 'Disabled') throw malformedXml();
    const parsed: LifecycleRule = { status, ...parseFilter(rule) };
    const id = text(rule.ID);
    if (id !== undefined) {
      if (id.length > 255) throw invalidArgument('ID length should not exceed allowed limit of 255', 'ID', id);
      if (ids.has(id)) throw invalidArgument('Rule ID must be unique. Found same ID for more than one rule', 'ID', id);
      ids.add(id);
      parsed.id = id;
    }
    parseExpiration(rule.Expiration, parsed);
    if (rule.NoncurrentVersionExpiration !== undefined) {
      const noncurrent = element(rule.NoncurrentVersionExpiration);
      if (noncurrent.NewerNoncurrentVersions !== undefined) throw new S3Error('NotImplemented', 'NewerNoncurrentVersions is not supported.', 501);
      parsed.noncurrentDays = positiveDays(noncurrent.NoncurrentDays, 'NoncurrentDays', 'NoncurrentVersionExpiration');
      if (parsed.noncurrentDays === undefined) throw malformedXml();
    }
    if (rule.AbortIncompleteMultipartUpload !== undefined) {
      parsed.abortIncompleteUploadDays = positiveDays(element(rule.AbortIncompleteMultipartUpload).DaysAfterInitiation, 'DaysAfterInitiation', 'AbortIncompleteMultipartUpload');
      if (parsed.abortIncompleteUploadDays === undefined) throw malformedXml();
    }
    if (rule.Expiration === undefined && rule.NoncurrentVersionExpiration === undefined && rule.AbortIncompleteMultipartUpload === undefined) {
      throw new S3Error('InvalidRequest', 'At least one action needs to be specified in a rule', 400);
    }
    return withoutUndefined(parsed);
  });
}

function withoutUndefined(rule: LifecycleRule): LifecycleRule {
  return Object.fromEntries(Object.entries(rule).filter(([, v]) => v !== undefined)) as unknown as LifecycleRule;
}

function filterXml(rule: LifecycleRule): Record<string, unknown> {
  const tags = Object.entries(rule.tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
  if (tags.length === 0) return { Prefix: rule.prefix };
  if (tags.length === 1 && rule.prefix === '') return { Tag: tags[0] };
  return { And: { ...(rule.prefix ? { Prefix: rule.prefix } : {}), Tag: tags } };
}

/** Elements in the order S3 returns them: ID, Filter, Status, then the actions. */
export function lifecycleXml(rules: LifecycleRule[]): string {
  return toXml('LifecycleConfiguration', {
    Rule: rules.map((r) => {
      const expiration = {
        ...(r.expirationDays !== undefined ? { Days: r.expirationDays } : {}),
        ...(r.expirationDate !== undefined ? { Date: r.expirationDate } : {}),
        ...(r.expiredObjectDeleteMarker !== undefined ? { ExpiredObjectDeleteMarker: String(r.expiredObjectDeleteMarker) } : {}),
      };
      return {
        ...(r.id !== undefined ? { ID: r.id } : {}),
        Filter: filterXml(r),
        Status: r.status,
        ...(Object.keys(expiration).length ? { Expiration: expiration } : {}),
        ...(r.noncurrentDays !== undefined ? { NoncurrentVersionExpiration: { NoncurrentDays: r.noncurrentDays } } : {}),
        ...(r.abortIncompleteUploadDays !== undefined ? { AbortIncompleteMultipartUpload: { DaysAfterInitiation: r.abortIncompleteUploadDays } } : {}),
      };
    }),
  });
}

async function getLifecycle(call: S3Call): Promise<void> {
  const bucket = await call.objects.getBucket(call.caller, call.bucket!, 's3:GetBucketConfig');
  if (!bucket.lifecycle?.length) throw notConfigured('lifecycle', bucket.name);
  sendXml(call.reply, lifecycleXml(bucket.lifecycle));
}

async function putLifecycle(call: S3Call): Promise<void> {
  const lifecycle = parseLifecycle(await readConfig(call, 'LifecycleConfiguration'));
  await call.objects.updateBucket(call.caller, call.bucket!, { lifecycle });
  call.reply.code(200).send();
}

async function deleteLifecycle(call: S3Call): Promise<void> {
  await call.objects.updateBucket(call.caller, call.bucket!, { lifecycle: null });
  call.reply.code(204).send();
}

export const lifecycleRoutes: S3Routes = {
  'GET bucket lifecycle': getLifecycle,
  'PUT bucket lifecycle': putLifecycle,
  'DELETE bucket lifecycle': deleteLifecycle,
};
