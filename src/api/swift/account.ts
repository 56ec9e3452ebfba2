import { isoNaive } from '../../platform/time.ts';
import type { Account } from '../../services/object-storage/types.ts';
import { sendStatus, type SwiftCall, type SwiftRoutes } from './context.ts';
import { SwiftError } from './errors.ts';
import { compareNames, listingFormat, listingPage, listingParams, renderListing } from './listing.ts';
import { checkMetadata, metaHeaders, requestMeta, takeSetting } from './metadata.ts';
import { header, swiftTimestamp } from './wire.ts';

/** Swift has one storage policy here; clients read per-policy usage from these headers. */
const POLICY = 'Policy-0';

function accountHeaders(a: Account): Record<string, string> {
  const headers: Record<string, string> = {
    'X-Account-Container-Count': String(a.bucketCount),
    'X-Account-Object-Count': String(a.objectCount),
    'X-Account-Bytes-Used': String(a.bytesUsed),
    'X-Timestamp': swiftTimestamp(a.createdAt),
    'X-PUT-Timestamp': swiftTimestamp(a.createdAt),
    ...metaHeaders(a.meta, 'account'),
  };
  if (a.bucketCount > 0) {
    headers[`X-Account-Storage-Policy-${POLICY}-Container-Count`] = String(a.bucketCount);
    headers[`X-Account-Storage-Policy-${POLICY}-Object-Count`] = String(a.objectCount);
    headers[`X-Account-Storage-Policy-${POLICY}-Bytes-Used`] = String(a.bytesUsed);
  }
  // account_quotas keeps the quota as account metadata, so Swift shows it as such.
  if (a.quota.bytes !== undefined) headers['X-Account-Meta-Quota-Bytes'] = String(a.quota.bytes);
  return headers;
}

async function head({ objects, caller, projectId, reply }: SwiftCall): Promise<void> {
  const account = await objects.getAccount(caller, projectId);
  sendStatus(reply, 204, { ...accountHeaders(account), 'Content-Type': 'text/plain; charset=utf-8' });
}

async function list({ objects, caller, projectId, path, query, req, reply }: SwiftCall): Promise<void> {
  const format = listingFormat(query.get('format'), header(req, 'accept'));
  const params = listingParams(query);
  const [account, buckets] = await Promise.all([objects.getAccount(caller, projectId), objects.listBuckets(caller, projectId)]);
  const records = buckets
    .map((b) => ({ name: b.name, count: b.objectCount, bytes: b.bytesUsed, last_modified: isoNaive(b.createdAt) }))
    .sort((a, b) => compareNames(a.name, b.name));
  const body = renderListing(format, 'account', path.account, listingPage(records, params));
  reply.code(body ? 200 : 204).headers(accountHeaders(account)).type(`${format}; charset=utf-8`).send(body || undefined);
}

/** Metadata (`X-Account-Meta-*`, temp URL keys) and, for an admin, the bytes quota. */
async function update({ objects, caller, projectId, req, reply }: SwiftCall): Promise<void> {
  const meta = requestMeta(req.headers, 'account');
  const quota = takeSetting(meta, 'quota-bytes');
  checkMetadata(meta, 'account');
  if (quota !== undefined && quota !== '' && !/^\d+$/.test(quota)) throw new SwiftError(400);
  await objects.updateAccount(caller, projectId, {
    meta,
    ...(quota === undefined ? {} : { quota: { bytes: quota === '' ? undefined : Number(quota) } }),
  });
  sendStatus(reply, 204);
}

/** Accounts come and go with projects: Swift's `allow_account_management = false`. */
async function notAllowed(): Promise<void> {
  throw new SwiftError(405);
}

export const accountRoutes: SwiftRoutes = {
  'HEAD account': head,
  'GET account': list,
  'POST account': update,
  'PUT account': notAllowed,
  'DELETE account': notAllowed,
};
