import { SovError } from '../../platform/errors.ts';
import { ObjectError, type ObjectErrorKind } from '../../services/object-storage/errors.ts';

/**
 * Swift's reason phrases and the explanations its responses carry as their default body
 * (swob's `RESPONSE_REASONS`), for the statuses this front end answers with.
 */
const REASONS: Record<number, [title: string, explanation: string]> = {
  200: ['OK', ''],
  201: ['Created', ''],
  202: ['Accepted', 'The request is accepted for processing.'],
  204: ['No Content', ''],
  206: ['Partial Content', ''],
  304: ['Not Modified', ''],
  400: ['Bad Request', 'The server could not comply with the request since it is either malformed or otherwise incorrect.'],
  401: ['Unauthorized', 'This server could not verify that you are authorized to access the document you requested.'],
  403: ['Forbidden', 'Access was denied to this resource.'],
  404: ['Not Found', 'The resource could not be found.'],
  405: ['Method Not Allowed', 'The method is not allowed for this resource.'],
  406: ['Not Acceptable', 'The resource is not available in a format acceptable to your browser.'],
  409: ['Conflict', 'There was a conflict when trying to complete your request.'],
  411: ['Length Required', 'Content-Length header required.'],
  412: ['Precondition Failed', 'A precondition for this request was not met.'],
  413: ['Request Entity Too Large', 'The body of your request was too large for this server.'],
  416: ['Requested Range Not Satisfiable', 'The Range requested is not available.'],
  422: ['Unprocessable Entity', 'Unable to process the contained instructions'],
  499: ['Client Disconnect', 'The client was disconnected during request.'],
  500: ['Internal Error', 'The server has either erred or is incapable of performing the requested operation.'],
};

/** `200 OK`: the status line text the bulk and SLO bodies quote. */
export function statusLine(status: number): string {
  return `${status} ${REASONS[status]?.[0] ?? ''}`.trimEnd();
}

/** `Title\nExplanation`, the outcome text of a heartbeat SLO PUT that failed. */
export function reasonText(status: number): string {
  return (REASONS[status] ?? ['']).join('\n');
}

/** The HTML body swob gives a response that has none of its own; undefined where it gives none. */
export function defaultBody(status: number): string | undefined {
  const reason = REASONS[status];
  return reason?.[1] ? `<html><h1>${reason[0]}</h1><p>${reason[1]}</p></html>` : undefined;
}

/**
 * A Swift answer other than success: a status, a body (swob's default when none is given) and
 * extra headers (e.g. `Content-Range` for a 416). `contentType` is `text/html` as swob's default
 * and `text/plain` where Swift says so.
 */
export class SwiftError extends Error {
  constructor(
    readonly status: number,
    readonly body: string | undefined = defaultBody(status),
    readonly headers: Record<string, string> = {},
    readonly contentType = 'text/html; charset=UTF-8',
    options?: { cause?: unknown },
  ) {
    super(body ?? REASONS[status]?.[0] ?? String(status), options);
    this.name = 'SwiftError';
  }
}

/** A `text/plain` error, as Swift's constraint checks answer. */
export function plainError(status: number, body: string): SwiftError {
  return new SwiftError(status, body, {}, 'text/plain; charset=UTF-8');
}

type Mapping = (e: ObjectError, anonymous: boolean) => SwiftError;

const fixed = (status: number, body?: string): Mapping => () => new SwiftError(status, body ?? defaultBody(status));
const message = (status: number): Mapping => (e) => new SwiftError(status, e.message);

/** What each object-layer outcome is on Swift's wire. */
const BY_KIND: Record<ObjectErrorKind, Mapping> = {
  NoSuchBucket: fixed(404),
  NoSuchKey: fixed(404),
  NoSuchVersion: fixed(404),
  NoSuchUpload: fixed(404),
  NoSuchConfiguration: fixed(404),
  // The bucket namespace is shared with S3 and every project: another project has the name.
  BucketAlreadyExists: fixed(409),
  BucketAlreadyOwnedByYou: fixed(409),
  BucketNotEmpty: fixed(409),
  InvalidBucketName: (e) => new SwiftError(400, `Invalid container name '${e.detail.bucket ?? ''}'`),
  KeyTooLong: (e) => new SwiftError(400, `Object name length of ${Buffer.byteLength(e.detail.key ?? '')} longer than 1024`),
  InvalidObjectName: message(400),
  PreconditionFailed: fixed(412),
  NotModified: fixed(304),
  InvalidRange: (e) => new SwiftError(416, defaultBody(416), e.detail.size === undefined ? {} : { 'content-range': `bytes */${e.detail.size}` }),
  InvalidPart: message(400),
  InvalidPartOrder: message(400),
  EntityTooSmall: message(400),
  EntityTooLarge: fixed(413, 'Your request is too large.'),
  IncompleteBody: fixed(499),
  // Swift's only digest is the ETag header: a mismatch is its 422.
  BadDigest: fixed(422),
  QuotaExceeded: fixed(413, 'Upload exceeds quota.'),
  // Swift answers an anonymous caller 401 so that it may retry with a token (keystoneauth's denied_response).
  AccessDenied: (_e, anonymous) => new SwiftError(anonymous ? 401 : 403),
  InvalidArgument: message(400),
  InvalidRequest: message(400),
  MethodNotAllowed: fixed(405),
  InvalidObjectState: message(403),
  MalformedPolicy: message(400),
};

/**
 * Maps anything a handler throws to Swift's answer, once. `anonymous` tells a 401 (no or no valid
 * token) from a 403 (a token that may not do this).
 */
export function toSwiftError(err: unknown, anonymous: boolean): SwiftError {
  if (err instanceof SwiftError) return err;
  if (err instanceof ObjectError) return BY_KIND[err.kind](err, anonymous);
  if (err instanceof SovError && err.status < 500) return new SwiftError(err.status, err.message);
  const status = (err as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return new SwiftError(status);
  return new SwiftError(500);
}
