import { queryParams } from './canonical.ts';
import { invalidAccessKeyId, invalidArgument } from './errors.ts';
import { describePayload, type Payload } from './payload.ts';
import { header, type SignedRequest } from './request.ts';
import { checkTimeV2, parseV2Header, parseV2Query, verifySigV2, type SigV2Claim } from './sigv2.ts';
import { checkSignedHeaders, checkTime, parseHeaderAuth, parseQueryAuth, SIGV4_ALGORITHM, verifySigV4, type SigV4Claim } from './sigv4.ts';

export type { SignedRequest } from './request.ts';
export type { Payload } from './payload.ts';

export interface Authenticated extends Payload {
  accessKey: string;
}

type Claim = { version: 4; claim: SigV4Claim } | { version: 2; claim: SigV2Claim };

/**
 * Authenticates one S3 request the way Amazon S3 does: SigV4 in the Authorization header or
 * presigned in the query, or SigV2 either way. Returns null when the request carries no
 * authentication at all (anonymous); throws an S3Error when it carries a bad one. `secretOf`
 * returns the secret of an access key, undefined when the key does not exist.
 */
export async function authenticateS3(
  req: SignedRequest,
  secretOf: (accessKey: string) => Promise<string | undefined>,
  now: Date = new Date(),
): Promise<Authenticated | null> {
  const found = parseClaim(req);
  if (!found) return null;
  if (found.version === 4) checkTime(found.claim, now);
  else checkTimeV2(found.claim, now);
  const secret = await secretOf(found.claim.accessKey);
  if (secret === undefined) throw invalidAccessKeyId(found.claim.accessKey);
  if (found.version === 2) {
    verifySigV2(req, found.claim, secret);
    return { accessKey: found.claim.accessKey, ...describePayload(req, header(req, 'x-amz-content-sha256')) };
  }
  checkSignedHeaders(req, found.claim);
  const signer = verifySigV4(req, found.claim, secret);
  return { accessKey: found.claim.accessKey, ...describePayload(req, found.claim.payloadHash, signer) };
}

/** The payload handling of an anonymous request: no chunk signatures, but checksums and trailers still apply. */
export function anonymousPayload(req: SignedRequest): Payload {
  return describePayload(req, header(req, 'x-amz-content-sha256'));
}

function parseClaim(req: SignedRequest): Claim | undefined {
  const authorization = header(req, 'authorization');
  const params = new Map<string, string>();
  for (const [name, value] of queryParams(req.rawQuery)) if (!params.has(name)) params.set(name, value);
  const v4Query = params.has('X-Amz-Algorithm') || params.has('X-Amz-Credential') || params.has('X-Amz-Signature');
  const v2Query = params.has('AWSAccessKeyId') || params.has('Signature');
  if (authorization !== undefined && (v4Query || v2Query)) {
    throw invalidArgument(
      'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
      'Authorization', authorization,
    );
  }
  if (authorization !== undefined) {
    if (authorization.startsWith(`${SIGV4_ALGORITHM} `)) return { version: 4, claim: parseHeaderAuth(req, authorization) };
    if (authorization.startsWith('AWS ')) return { version: 2, claim: parseV2Header(req, authorization) };
    throw invalidArgument('Unsupported Authorization Type', 'Authorization', authorization);
  }
  if (v4Query) return { version: 4, claim: parseQueryAuth(req, params) };
  if (v2Query) return { version: 2, claim: parseV2Query(params) };
  return undefined;
}
