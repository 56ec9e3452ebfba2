import { aclXml, cannedFromPolicy } from './bucket-acl.ts';
import { owner } from './bucket-request.ts';
import type { S3Call, S3Routes } from './context.ts';
import {
  checksumHeaders, checkTags, conditions, copySource, customerKey, objectReadHeaders,
  objectSettings, partNumberParam, rangeHeader, responseOverrides, sendXml, SSE_C, versionHeaders, versionIdParam,
} from './object-headers.ts';
import { isoMillis } from './listing.ts';
import { S3Error } from './s3-error.ts';
import { malformedXml, parseXml, toXml } from './xml.ts';

function directive(call: S3Call, name: string, what: string): 'COPY' | 'REPLACE' {
  const value = call.req.headers[name];
  if (value === undefined) return 'COPY';
  if (value === 'COPY' || value === 'REPLACE') return value;
  throw new S3Error('InvalidArgument', `Unknown ${what} directive.`, 400, { ArgumentName: name, ArgumentValue: String(value) });
}

/** Conditional writes (`If-None-Match: *`, `If-Match`) of PutObject and CompleteMultipartUpload. */
export function writeConditions(call: S3Call) {
  const c = conditions(call.req.headers);
  return c && { ifMatch: c.ifMatch, ifNoneMatch: c.ifNoneMatch };
}

function aclNotSupported(): S3Error {
  return new S3Error('AccessControlListNotSupported', 'The bucket does not allow ACLs', 400);
}

/**
 * Objects have no ACLs of their own: access follows the bucket's canned ACL, as in S3 with ACLs
 * disabled (Object Ownership "bucket owner enforced"). An ACL is accepted where it changes
 * nothing: `bucket-owner-full-control`, or the bucket's own canned ACL.
 */
export async function checkObjectAcl(call: S3Call, acl = call.req.headers['x-amz-acl']): Promise<void> {
  if (Object.keys(call.req.headers).some((name) => name.startsWith('x-amz-grant-'))) throw aclNotSupported();
  if (acl === undefined || acl === 'bucket-owner-full-control') return;
  const bucket = await call.objects.getBucket(call.caller, call.bucket!, 's3:PutObject');
  if (acl !== bucket.acl) throw aclNotSupported();
}

async function putObject(call: S3Call): Promise<void> {
  await checkObjectAcl(call);
  if (call.req.headers['x-amz-copy-source'] !== undefined) return copyObject(call);
  const info = await call.objects.putObject(call.caller, call.bucket!, call.key!, call.body, {
    ...call.payload,
    ...objectSettings(call.req.headers),
    conditions: writeConditions(call),
  });
  call.reply.header('etag', `"${info.etag}"`);
  versionHeaders(call.reply, info);
  checksumHeaders(call.reply, info.checksum);
  call.reply.code(200).send();
}

async function copyObject(call: S3Call): Promise<void> {
  const { req, reply } = call;
  const source = copySource(req.headers)!;
  const metadataDirective = directive(call, 'x-amz-metadata-directive', 'metadata');
  const taggingDirective = directive(call, 'x-amz-tagging-directive', 'tagging');
  const settings = objectSettings(req.headers);
  const toItself = source.bucket === call.bucket && source.key === call.key && source.versionId === undefined;
  if (toItself && metadataDirective === 'COPY' && settings.sse === undefined) {
    throw new S3Error('InvalidRequest', "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.", 400);
  }
  const { info, sourceVersionId } = await call.objects.copyObject(call.caller, source, call.bucket!, call.key!, {
    ...settings, metadataDirective, taggingDirective,
  });
  versionHeaders(reply, info);
  if (sourceVersionId !== undefined) reply.header('x-amz-copy-source-version-id', sourceVersionId);
  const result: Record<string, unknown> = { LastModified: isoMillis(info.lastModified), ETag: `"${info.etag}"` };
  if (info.checksum) result[`Checksum${info.checksum.algorithm}`] = info.checksum.value;
  sendXml(reply, toXml('CopyObjectResult', result));
}

async function readObject(call: S3Call, head: boolean): Promise<void> {
  const { req, query } = call;
  const partNumber = partNumberParam(query);
  const range = rangeHeader(req.headers.range);
  if (partNumber !== undefined && range !== undefined) {
    throw new S3Error('InvalidRequest', 'Cannot specify both Range header and partNumber query parameter', 400);
  }
  const overrides = responseOverrides(call);
  const options = { versionId: versionIdParam(query), conditions: conditions(req.headers), sseKey: customerKey(req.headers, SSE_C), partNumber, range };
  const read = head
    ? await call.objects.headObject(call.caller, call.bucket!, call.key!, options)
    : await call.objects.getObject(call.caller, call.bucket!, call.key!, options);
  objectReadHeaders(call, read, { partNumber, overrides });
  call.reply.send(read.body);
}

async function deleteObject(call: S3Call): Promise<void> {
  const result = await call.objects.deleteObject(call.caller, call.bucket!, call.key!, { versionId: versionIdParam(call.query) });
  if (result.versionId !== undefined) call.reply.header('x-amz-version-id', result.versionId);
  if (result.deleteMarker) call.reply.header('x-amz-delete-marker', 'true');
  call.reply.code(204).send();
}

async function getTagging(call: S3Call): Promise<void> {
  const { info } = await call.objects.headObject(call.caller, call.bucket!, call.key!, {
    versionId: versionIdParam(call.query), metadataOnly: true,
  });
  if (info.versionId !== null) call.reply.header('x-amz-version-id', info.versionId);
  const tags = Object.entries(info.tags).map(([Key, Value]) => ({ Key, Value }));
  sendXml(call.reply, toXml('Tagging', { TagSet: tags.length ? { Tag: tags } : '' }));
}

/** `<Tagging><TagSet><Tag><Key/><Value/></Tag>...</TagSet></Tagging>`, checked as S3 does. */
export function parseTagging(text: string): Record<string, string> {
  const tagging = parseXml(text, { verbatim: true }).Tagging as { TagSet?: { Tag?: { Key?: unknown; Value?: unknown }[] } | string } | undefined;
  if (!tagging || typeof tagging !== 'object' || tagging.TagSet === undefined) throw malformedXml();
  // An empty TagSet parses as the whitespace inside it.
  const tags = typeof tagging.TagSet === 'string' ? [] : (tagging.TagSet.Tag ?? []);
  return checkTags(tags.map((tag) => {
    if (typeof tag.Key !== 'string' || (tag.Value !== undefined && typeof tag.Value !== 'string')) throw malformedXml();
    return [tag.Key, tag.Value ?? ''];
  }));
}

async function putTagging(call: S3Call): Promise<void> {
  const tags = parseTagging((await call.readBody()).toString('utf8'));
  const info = await call.objects.setObjectTags(call.caller, call.bucket!, call.key!, { versionId: versionIdParam(call.query) }, tags);
  if (info.versionId !== null) call.reply.header('x-amz-version-id', info.versionId);
  call.reply.code(200).send();
}

async function deleteTagging(call: S3Call): Promise<void> {
  const info = await call.objects.setObjectTags(call.caller, call.bucket!, call.key!, { versionId: versionIdParam(call.query) }, null);
  if (info.versionId !== null) call.reply.header('x-amz-version-id', info.versionId);
  call.reply.code(204).send();
}

async function getAcl(call: S3Call): Promise<void> {
  const { info } = await call.objects.headObject(call.caller, call.bucket!, call.key!, {
    versionId: versionIdParam(call.query), metadataOnly: true,
  });
  const bucket = await call.objects.getBucket(call.caller, call.bucket!, 's3:GetObject');
  if (info.versionId !== null) call.reply.header('x-amz-version-id', info.versionId);
  sendXml(call.reply, aclXml(bucket.acl, owner(call, bucket.projectId)));
}

async function putAcl(call: S3Call): Promise<void> {
  const { info } = await call.objects.headObject(call.caller, call.bucket!, call.key!, {
    versionId: versionIdParam(call.query), metadataOnly: true,
  });
  const header = call.req.headers['x-amz-acl'];
  const body = await call.readBody();
  if (header !== undefined && body.length) throw new S3Error('UnexpectedContent', 'This request does not support content', 400);
  const bucket = await call.objects.getBucket(call.caller, call.bucket!, 's3:PutObject');
  await checkObjectAcl(call, header ?? cannedFromPolicy(body.toString('utf8'), bucket.projectId));
  if (info.versionId !== null) call.reply.header('x-amz-version-id', info.versionId);
  call.reply.code(200).send();
}

export const objectRoutes: S3Routes = {
  'PUT object -': putObject,
  'GET object -': (call) => readObject(call, false),
  'HEAD object -': (call) => readObject(call, true),
  'DELETE object -': deleteObject,
  'GET object tagging': getTagging,
  'PUT object tagging': putTagging,
  'DELETE object tagging': deleteTagging,
  'GET object acl': getAcl,
  'PUT object acl': putAcl,
};
