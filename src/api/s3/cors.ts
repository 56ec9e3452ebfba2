import type { CorsRule } from '../../services/object-storage/types.ts';
import { S3Error } from './s3-error.ts';

/** The headers a matching rule adds to a response (preflight or actual request). */
export type CorsHeaders = Record<string, string>;

/** An `AllowedOrigin` / `AllowedHeader` pattern: at most one `*`, matching any run of characters. */
function wildcardMatch(pattern: string, value: string): boolean {
  const star = pattern.indexOf('*');
  if (star < 0) return pattern === value;
  const head = pattern.slice(0, star);
  const tail = pattern.slice(star + 1);
  return value.length >= head.length + tail.length && value.startsWith(head) && value.endsWith(tail);
}

/** `Access-Control-Request-Headers` as a list of lower-case names. */
function requestedHeaders(value: string | undefined): string[] {
  return (value ?? '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean);
}

/**
 * The first rule (in configuration order, as S3 evaluates them) that allows the origin, the
 * method and every requested header.
 */
export function matchRule(rules: CorsRule[], origin: string, method: string, headers: string[]): CorsRule | undefined {
  return rules.find((rule) =>
    rule.allowedOrigins.some((o) => wildcardMatch(o, origin)) &&
    rule.allowedMethods.includes(method) &&
    headers.every((h) => rule.allowedHeaders.some((p) => wildcardMatch(p.toLowerCase(), h))));
}

/**
 * What S3 answers for a matching rule: the origin itself (or `*` for a rule open to any
 * origin, which also means no credentials), the rule's methods, the requested headers, and
 * what the browser may read.
 */
export function corsHeaders(rule: CorsRule, origin: string, headers: string[]): CorsHeaders {
  const open = rule.allowedOrigins.includes('*');
  const out: CorsHeaders = {
    'access-control-allow-origin': open ? '*' : origin,
    'access-control-allow-methods': rule.allowedMethods.join(', '),
    vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
  };
  if (!open) out['access-control-allow-credentials'] = 'true';
  if (headers.length) out['access-control-allow-headers'] = headers.join(', ');
  if (rule.exposeHeaders.length) out['access-control-expose-headers'] = rule.exposeHeaders.join(', ');
  if (rule.maxAgeSeconds !== undefined) out['access-control-max-age'] = String(rule.maxAgeSeconds);
  return out;
}

const PREFLIGHT_METHODS = new Set(['GET', 'PUT', 'HEAD', 'POST', 'DELETE']);

/**
 * A preflight's answer: the headers to send with 200, or the error S3 gives. `rules` is
 * undefined when the bucket has no CORS configuration.
 */
export function preflight(
  rules: CorsRule[] | undefined,
  origin: string | undefined,
  requestMethod: string | undefined,
  requestHeaders: string | undefined,
  resourceType: 'BUCKET' | 'OBJECT',
): CorsHeaders {
  if (!origin) throw new S3Error('BadRequest', 'Insufficient information. Origin request header needed.', 400);
  if (!requestMethod || !PREFLIGHT_METHODS.has(requestMethod)) {
    throw new S3Error('BadRequest', `Invalid Access-Control-Request-Method: ${requestMethod ?? 'null'}`, 400);
  }
  const forbidden = (message: string) => new S3Error('AccessForbidden', message, 403, { Method: requestMethod, ResourceType: resourceType });
  if (!rules?.length) throw forbidden('CORSResponse: CORS is not enabled for this bucket.');
  const headers = requestedHeaders(requestHeaders);
  const rule = matchRule(rules, origin, requestMethod, headers);
  if (!rule) {
    // AWS's wording, typo included.
    throw forbidden(
      "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
    );
  }
  return corsHeaders(rule, origin, headers);
}
