import { SwiftError } from './errors.ts';

/** `/v1/AUTH_<project>/<container>/<object>`, decoded; container and object are absent above their level. */
export interface SwiftPath {
  version: string;
  account: string;
  container?: string;
  object?: string;
}

const VERSIONS = new Set(['v1', 'v1.0']);
const ACCOUNT_PREFIX = 'AUTH_';

/** Swift's answer to a path that is not valid UTF-8 or holds a NUL. */
export function invalidUtf8(): SwiftError {
  return new SwiftError(412, 'Invalid UTF8 or contains NULL');
}

/**
 * Splits a request path (below the plugin's prefix, without the query) the way Swift's
 * `split_path(path, 2, 4, rest_with_last=True)` does after unquoting it: the object keeps every
 * further slash, and an empty trailing segment (`/v1/a/c/`) means the level above.
 */
export function parsePath(raw: string): SwiftPath {
  let path: string;
  try {
    path = decodeURIComponent(raw);
  } catch {
    throw invalidUtf8();
  }
  if (path.includes('\0')) throw invalidUtf8();
  const parts = path.split('/');
  const [empty, version, account, container, ...rest] = parts;
  if (empty !== '' || !version || !VERSIONS.has(version) || !account) throw new SwiftError(404);
  const object = rest.length ? rest.join('/') : undefined;
  if (object && !container) throw new SwiftError(404);
  return { version, account, container: container || undefined, object: object || undefined };
}

/** The project an account belongs to; undefined for a name without keystoneauth's `AUTH_` prefix. */
export function accountProject(account: string): string | undefined {
  return account.startsWith(ACCOUNT_PREFIX) && account.length > ACCOUNT_PREFIX.length ? account.slice(ACCOUNT_PREFIX.length) : undefined;
}

/**
 * `container/object` as `X-Copy-From` and `Destination` carry it (quoted, with or without a
 * leading slash); `what` names the header for Swift's 412.
 */
export function containerAndObject(value: string, what: string): { container: string; object: string } {
  let decoded: string;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    throw invalidUtf8();
  }
  const trimmed = decoded.startsWith('/') ? decoded.slice(1) : decoded;
  const slash = trimmed.indexOf('/');
  if (slash <= 0 || slash === trimmed.length - 1) {
    throw new SwiftError(412, `${what} header must be of the form <container name>/<object name>`);
  }
  return { container: trimmed.slice(0, slash), object: trimmed.slice(slash + 1) };
}
