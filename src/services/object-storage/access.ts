import { projectId } from '../../platform/auth.ts';
import { ObjectError } from './errors.ts';
import type { Action, Caller } from './types.ts';

export interface BucketGrants {
  name: string;
  project_id: string;
  acl: string;
  policy: string | null;
  swift_read: string | null;
  swift_write: string | null;
}

const READS = new Set<Action>([
  's3:ListAllMyBuckets', 's3:ListBucket', 's3:ListBucketVersions', 's3:ListBucketMultipartUploads', 's3:GetBucketConfig',
  's3:GetObject', 's3:GetObjectVersion', 's3:GetObjectTagging', 's3:ListMultipartUploadParts',
]);
const OBJECT_READS = new Set<Action>(['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectTagging']);
const LISTS = new Set<Action>(['s3:ListBucket', 's3:ListBucketVersions']);
const OBJECT_WRITES = new Set<Action>(['s3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion', 's3:PutObjectTagging', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts']);
const WRITER_ROLES = ['member', 'admin', 'manager'];

/** Whether the caller's project roles allow `action` on its own project's data. */
export function roleAllows(caller: Caller, action: Action): boolean {
  if (!caller) return false;
  const roles = caller.roles.map((r) => r.name);
  if (roles.some((r) => WRITER_ROLES.includes(r))) return true;
  return roles.includes('reader') && READS.has(action);
}

/**
 * The access decision for one call on one bucket, as S3 makes it: an explicit Deny in the bucket
 * policy wins (except over the owner's own policy and ACL management, so an owner cannot lock
 * itself out), then the owning project's roles, then Allows from the policy, the canned ACL and
 * the Swift container ACLs. Anything else is AccessDenied, never a hint whether a key exists.
 */
export function authorize(caller: Caller, bucket: BucketGrants, action: Action, key?: string): void {
  const owner = caller !== null && projectId(caller) === bucket.project_id;
  const resource = key === undefined ? `arn:aws:s3:::${bucket.name}` : `arn:aws:s3:::${bucket.name}/${key}`;
  const verdict = evaluatePolicy(bucket.policy, caller, action, resource);
  if (verdict === 'deny' && !(owner && action === 's3:PutBucketConfig')) throw denied();
  if (owner && roleAllows(caller, action)) return;
  if (verdict === 'allow') return;
  if (aclAllows(bucket.acl, caller, action)) return;
  if (swiftAllows(bucket, caller, action)) return;
  throw denied();
}

export function denied(): ObjectError {
  return new ObjectError('AccessDenied', 'Access Denied');
}

function aclAllows(acl: string, caller: Caller, action: Action): boolean {
  const read = OBJECT_READS.has(action) || LISTS.has(action);
  if (acl === 'public-read') return read;
  if (acl === 'public-read-write') return read || OBJECT_WRITES.has(action);
  if (acl === 'authenticated-read') return caller !== null && read;
  return false;
}

/**
 * Swift container ACLs (`X-Container-Read`/`-Write`): `.r:*` lets anyone read objects,
 * `.rlistings` adds listing, and `project:user` items (either side `*`, ids or names) grant an
 * authenticated caller reading or writing.
 */
function swiftAllows(bucket: BucketGrants, caller: Caller, action: Action): boolean {
  const readItems = splitAcl(bucket.swift_read);
  if (OBJECT_READS.has(action) || LISTS.has(action)) {
    const anyone = readItems.includes('.r:*') && (OBJECT_READS.has(action) || readItems.includes('.rlistings'));
    if (anyone) return true;
    if (readItems.some((item) => grantMatches(item, caller))) return true;
  }
  if (OBJECT_WRITES.has(action)) return splitAcl(bucket.swift_write).some((item) => grantMatches(item, caller));
  return false;
}

function splitAcl(acl: string | null): string[] {
  return (acl ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

function grantMatches(item: string, caller: Caller): boolean {
  if (!caller || item.startsWith('.')) return false;
  const [p, u = '*'] = item.split(':');
  const project = caller.scope.kind === 'project' ? caller.scope.project : undefined;
  const projectOk = p === '*' || (project !== undefined && (p === project.id || p === project.name));
  const userOk = u === '*' || u === caller.user.id || u === caller.user.name;
  return projectOk && userOk;
}

interface Statement {
  Effect?: unknown;
  Principal?: unknown;
  Action?: unknown;
  Resource?: unknown;
  Condition?: unknown;
}

/** 'allow', 'deny' or undefined (no statement applies) for one action on one resource. */
export function evaluatePolicy(policy: string | null, caller: Caller, action: Action, resource: string): 'allow' | 'deny' | undefined {
  if (!policy) return undefined;
  const statements = (JSON.parse(policy) as { Statement?: Statement[] | Statement }).Statement;
  let verdict: 'allow' | 'deny' | undefined;
  for (const s of Array.isArray(statements) ? statements : statements ? [statements] : []) {
    if (!principalMatches(s.Principal, caller) || !list(s.Action).some((a) => glob(a, action)) || !list(s.Resource).some((r) => glob(r, resource))) continue;
    // Conditions are not evaluated: an Allow that depends on one never applies, a Deny always does.
    if (s.Effect === 'Deny') return 'deny';
    if (s.Effect === 'Allow' && s.Condition === undefined) verdict = 'allow';
  }
  return verdict;
}

function list(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : [];
}

/**
 * `*` is everyone, anonymous included; `arn:aws:iam::<project>:root` (or the bare project id) is
 * any caller of that project; `arn:aws:iam::<project>:user/<user>` one user of it.
 */
function principalMatches(principal: unknown, caller: Caller): boolean {
  if (principal === '*') return true;
  const aws = list((principal as { AWS?: unknown } | undefined)?.AWS);
  if (aws.includes('*')) return true;
  if (!caller || caller.scope.kind !== 'project') return false;
  const project = caller.scope.project.id;
  return aws.some((p) => {
    if (p === project || p === `arn:aws:iam::${project}:root`) return true;
    const m = /^arn:aws:iam::([^:]*):user\/(.+)$/.exec(p);
    return m !== null && m[1] === project && (m[2] === caller.user.id || m[2] === caller.user.name);
  });
}

function glob(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.')}$`);
  return re.test(value);
}

/** Validates a policy document's shape (MalformedPolicy is the front end's wording). */
export function checkPolicy(text: string, bucket: string): string | undefined {
  let doc: { Version?: unknown; Statement?: unknown };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch {
    return 'Policies must be valid JSON and the first byte must be \'{\'';
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return 'Policies must be valid JSON and the first byte must be \'{\'';
  const statements = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
  if (statements.length === 0) return 'Missing required field Statement';
  for (const s of statements as Statement[]) {
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') return 'Invalid effect';
    if (s.Principal === undefined) return 'Missing required field Principal';
    if (list(s.Action).length === 0) return 'Missing required field Action';
    const resources = list(s.Resource);
    if (resources.length === 0) return 'Missing required field Resource';
    if (resources.some((r) => !r.startsWith(`arn:aws:s3:::${bucket}`))) return 'Policy has invalid resource';
  }
  return undefined;
}
