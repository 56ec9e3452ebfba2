import type { IncomingHttpHeaders } from 'node:http';
import type { CannedAcl } from '../../services/object-storage/types.ts';
import { element, many, owner, text } from './bucket-request.ts';
import type { S3Call, S3Routes } from './context.ts';
import { sendXml } from './object-headers.ts';
import { S3Error } from './s3-error.ts';
import { parseXml, toXml } from './xml.ts';

// Buckets carry canned ACLs only: GET renders the grants a canned ACL stands for, PUT takes a
// canned ACL by header or an AccessControlPolicy that amounts to one.

const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
const AUTHENTICATED_USERS = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

/** The group grants each canned ACL adds to the owner's FULL_CONTROL. */
const GROUP_GRANTS: Record<CannedAcl, [uri: string, permission: string][]> = {
  private: [],
  'public-read': [[ALL_USERS, 'READ']],
  'public-read-write': [[ALL_USERS, 'READ'], [ALL_USERS, 'WRITE']],
  'authenticated-read': [[AUTHENTICATED_USERS, 'READ']],
};
const CANNED = Object.keys(GROUP_GRANTS) as CannedAcl[];
/** Canned ACLs S3 has for buckets that need log delivery or EC2 bundles, neither of which exists here. */
const UNSUPPORTED_CANNED = ['aws-exec-read', 'log-delivery-write', 'bucket-owner-read', 'bucket-owner-full-control'];

function notImplemented(what: string): S3Error {
  return new S3Error('NotImplemented', `${what} is not supported: buckets take canned ACLs (${CANNED.join(', ')}).`, 501);
}

function malformedAcl(): S3Error {
  return new S3Error('MalformedACLError', 'The XML you provided was not well-formed or did not validate against our published schema', 400);
}

/** `x-amz-acl` of CreateBucket and PutBucketAcl; `x-amz-grant-*` headers are not supported. */
export function cannedAclHeader(headers: IncomingHttpHeaders): CannedAcl | undefined {
  if (Object.keys(headers).some((name) => name.startsWith('x-amz-grant-'))) throw notImplemented('x-amz-grant-* headers');
  const value = headers['x-amz-acl'];
  if (value === undefined) return undefined;
  const acl = String(value);
  if ((CANNED as string[]).includes(acl)) return acl as CannedAcl;
  if (UNSUPPORTED_CANNED.includes(acl)) throw notImplemented(`The canned ACL ${acl}`);
  throw new S3Error('InvalidArgument', `${acl} is not a canned ACL.`, 400, { ArgumentName: 'x-amz-acl', ArgumentValue: acl });
}

/** The AccessControlPolicy a canned ACL stands for. */
export function aclXml(acl: CannedAcl, ownerOf: { ID: string; DisplayName: string }): string {
  const grant = (grantee: Record<string, string>, type: string, permission: string) => ({
    Grantee: { '@_xmlns:xsi': XSI, '@_xsi:type': type, ...grantee },
    Permission: permission,
  });
  return toXml('AccessControlPolicy', {
    Owner: ownerOf,
    AccessControlList: {
      Grant: [
        grant(ownerOf, 'CanonicalUser', 'FULL_CONTROL'),
        ...GROUP_GRANTS[acl].map(([uri, permission]) => grant({ URI: uri }, 'Group', permission)),
      ],
    },
  });
}

/**
 * The canned ACL an AccessControlPolicy body amounts to: the owner's FULL_CONTROL plus exactly
 * one canned ACL's group grants. Any other set of grants is NotImplemented.
 */
export function cannedFromPolicy(body: string, ownerId: string): CannedAcl {
  const doc = parseXml(body);
  if (!('AccessControlPolicy' in doc)) throw malformedAcl();
  const list = element(element(doc.AccessControlPolicy).AccessControlList);
  const groups: string[] = [];
  let ownerFull = false;
  for (const g of many(list.Grant)) {
    const grant = element(g);
    const grantee = element(grant.Grantee);
    const permission = text(grant.Permission);
    if (!permission) throw malformedAcl();
    const uri = text(grantee.URI);
    const id = text(grantee.ID);
    if (uri !== undefined) groups.push(`${uri} ${permission}`);
    else if (id === ownerId && permission === 'FULL_CONTROL') ownerFull = true;
    else throw notImplemented(id !== undefined ? 'Granting to another canonical user' : 'This grantee');
  }
  const wanted = groups.sort().join('\n');
  const acl = CANNED.find((c) => GROUP_GRANTS[c].map(([uri, p]) => `${uri} ${p}`).sort().join('\n') === wanted);
  if (!ownerFull || !acl) throw notImplemented('This combination of grants');
  return acl;
}

async function getAcl(call: S3Call): Promise<void> {
  const bucket = await call.objects.getBucket(call.caller, call.bucket!, 's3:GetBucketConfig');
  sendXml(call.reply, aclXml(bucket.acl, owner(call, bucket.projectId)));
}

async function putAcl(call: S3Call): Promise<void> {
  const header = cannedAclHeader(call.req.headers);
  const body = await call.readBody();
  let acl: CannedAcl;
  if (header !== undefined) {
    if (body.length) throw new S3Error('UnexpectedContent', 'This request does not support content', 400);
    acl = header;
  } else {
    if (!body.length) throw malformedAcl();
    const bucket = await call.objects.getBucket(call.caller, call.bucket!, 's3:PutBucketConfig');
    acl = cannedFromPolicy(body.toString('utf8'), bucket.projectId);
  }
  await call.objects.updateBucket(call.caller, call.bucket!, { acl });
  call.reply.code(200).send();
}

export const bucketAclRoutes: S3Routes = {
  'GET bucket acl': getAcl,
  'PUT bucket acl': putAcl,
};
