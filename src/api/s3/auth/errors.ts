import { S3Error } from '../s3-error.ts';

/** Authentication failures with the codes, messages and extra elements Amazon S3 sends. */

/** `2013-05-24T00:00:00Z`: the form S3 uses for `ServerTime`, `Expires` and `RequestTime`. */
export function isoTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function invalidAccessKeyId(accessKey: string): S3Error {
  return new S3Error('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', 403, { AWSAccessKeyId: accessKey });
}

const MISMATCH = 'The request signature we calculated does not match the signature you provided. Check your key and signing method.';

/** What S3 echoes so a client can see where its signing differs; the byte dumps are hex pairs. */
export function signatureDoesNotMatch(details?: { accessKey: string; stringToSign: string; signature: string; canonicalRequest?: string }): S3Error {
  if (!details) return new S3Error('SignatureDoesNotMatch', MISMATCH, 403);
  const extra: Record<string, string> = {
    AWSAccessKeyId: details.accessKey,
    StringToSign: details.stringToSign,
    SignatureProvided: details.signature,
    StringToSignBytes: hexBytes(details.stringToSign),
  };
  if (details.canonicalRequest !== undefined) {
    extra.CanonicalRequest = details.canonicalRequest;
    extra.CanonicalRequestBytes = hexBytes(details.canonicalRequest);
  }
  return new S3Error('SignatureDoesNotMatch', MISMATCH, 403, extra);
}

function hexBytes(text: string): string {
  return Buffer.from(text, 'utf8').toString('hex').replace(/(..)(?!$)/g, '$1 ');
}

export function headerMalformed(reason: string): S3Error {
  return new S3Error('AuthorizationHeaderMalformed', `The authorization header is malformed; ${reason}`, 400);
}

export function queryMalformed(message: string): S3Error {
  return new S3Error('AuthorizationQueryParametersError', message, 400);
}

export function invalidArgument(message: string, name: string, value?: string): S3Error {
  return new S3Error('InvalidArgument', message, 400, value === undefined ? { ArgumentName: name } : { ArgumentName: name, ArgumentValue: value });
}

export function accessDenied(message: string, extra: Record<string, string> = {}): S3Error {
  return new S3Error('AccessDenied', message, 403, extra);
}

export function missingDate(): S3Error {
  return accessDenied('AWS authentication requires a valid Date or x-amz-date header');
}

export function requestExpired(extra: Record<string, string>): S3Error {
  return accessDenied('Request has expired', extra);
}

export function timeTooSkewed(requestTime: string, now: Date): S3Error {
  return new S3Error('RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', 403, {
    RequestTime: requestTime,
    ServerTime: isoTime(now),
    MaxAllowedSkewMilliseconds: String(MAX_SKEW_MS),
  });
}

export const MAX_SKEW_MS = 15 * 60 * 1000;

export function incompleteBody(): S3Error {
  return new S3Error('IncompleteBody', 'The request body terminated unexpectedly', 400);
}

export function invalidChunk(detail: string): S3Error {
  return new S3Error('InvalidRequest', `Invalid chunked upload: ${detail}`, 400);
}

export function malformedTrailer(): S3Error {
  return new S3Error('MalformedTrailerError', 'The request contained trailing data that was not well-formed or did not conform to our published schema.', 400);
}

export function invalidRequest(message: string): S3Error {
  return new S3Error('InvalidRequest', message, 400);
}
