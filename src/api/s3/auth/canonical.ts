import { headerValues, type SignedRequest } from './request.ts';

/**
 * Percent-decodes to bytes rather than to a string, so that `%FF` and other non-UTF-8
 * sequences survive a decode/encode round trip instead of failing it. A `%` that starts no
 * valid escape stays literal. Other non-ASCII characters (Node refuses them in a request line,
 * but a caller's string may hold them) are taken as UTF-8.
 */
export function percentDecode(text: string, plusIsSpace: boolean): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x25 && i + 2 < text.length && isHex(text.charCodeAt(i + 1)) && isHex(text.charCodeAt(i + 2))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c === 0x2b && plusIsSpace) {
      bytes.push(0x20);
    } else if (c < 0x80) {
      bytes.push(c);
    } else {
      const end = c >= 0xd800 && c <= 0xdbff ? i + 2 : i + 1;
      bytes.push(...Buffer.from(text.slice(i, end), 'utf8'));
      i = end - 1;
    }
  }
  return Buffer.from(bytes);
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** SigV4's URI-encoding: unreserved characters stay, every other byte is `%XX` in upper case. */
function uriEncode(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += UNRESERVED[b] ? String.fromCharCode(b) : ESCAPED[b];
  return out;
}

const UNRESERVED = Array.from({ length: 256 }, (_, b) => /[A-Za-z0-9\-._~]/.test(String.fromCharCode(b)));
const ESCAPED = Array.from({ length: 256 }, (_, b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`);

/**
 * S3's canonical URI: each segment decoded once and encoded once. Clients differ in what
 * they leave unescaped on the wire (s3cmd sends `!` and `*` raw, botocore escapes them) but all
 * sign this form; `%2F` inside a segment stays escaped because it is not a separator.
 */
export function canonicalUri(rawPath: string): string {
  return rawPath.split('/').map((segment) => uriEncode(percentDecode(segment, false))).join('/');
}

/** The query's parameters, decoded as form parameters are (`+` is a space), in wire order. */
export function queryParams(rawQuery: string): [string, string][] {
  const out: [string, string][] = [];
  for (const pair of rawQuery.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq);
    const value = eq < 0 ? '' : pair.slice(eq + 1);
    out.push([percentDecode(name, true).toString('utf8'), percentDecode(value, true).toString('utf8')]);
  }
  return out;
}

/** The canonical query: every parameter re-encoded, sorted by encoded name, then encoded value. */
export function canonicalQuery(rawQuery: string, exclude?: string): string {
  const pairs: [string, string][] = [];
  for (const pair of rawQuery.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const name = uriEncode(percentDecode(eq < 0 ? pair : pair.slice(0, eq), true));
    if (name === exclude) continue;
    pairs.push([name, eq < 0 ? '' : uriEncode(percentDecode(pair.slice(eq + 1), true))]);
  }
  pairs.sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([n, v]) => `${n}=${v}`).join('&');
}

/** `name:value\n` per signed header: each value trimmed, inner whitespace runs collapsed, repeated values joined by `,`. */
export function canonicalHeaders(req: Pick<SignedRequest, 'headers'>, signedHeaders: string[]): string {
  let out = '';
  for (const name of signedHeaders) {
    out += `${name}:${(headerValues(req, name) ?? []).map((value) => value.trim().replace(/\s+/g, ' ')).join(',')}\n`;
  }
  return out;
}
