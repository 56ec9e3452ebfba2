import { randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

/** `tx<21 hex>-<10 hex seconds>`, Swift's transaction id format. */
export function transId(now = Date.now()): string {
  const seconds = Math.floor(now / 1000).toString(16).padStart(10, '0');
  return `tx${randomBytes(11).toString('hex').slice(0, 21)}-${seconds}`;
}

/** `X-Timestamp`: seconds since the epoch with five decimals, zero-padded to 16 characters. */
export function swiftTimestamp(d: Date): string {
  return (d.getTime() / 1000).toFixed(5).padStart(16, '0');
}

/** `Last-Modified`: Swift rounds the timestamp up to the next whole second. */
export function httpDate(d: Date): string {
  return new Date(Math.ceil(d.getTime() / 1000) * 1000).toUTCString();
}

/**
 * Header values travel as bytes; Node hands them over as latin1 and only sends latin1. Swift
 * metadata and names are UTF-8, so values are re-read as UTF-8 on the way in and spelled as
 * latin1 of their UTF-8 bytes on the way out.
 */
export function fromHeader(value: string): string {
  return Buffer.from(value, 'latin1').toString('utf8');
}

export function toHeader(value: string): string {
  return Buffer.from(value, 'utf8').toString('latin1');
}

/** The first value of a request header, decoded as UTF-8. */
export function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  const first = Array.isArray(v) ? v[0] : v;
  return first === undefined ? undefined : fromHeader(first);
}

/** Python's `str.title()`, which Swift applies to every header name it sends (`X-Object-Meta-Color`). */
export function titleCase(name: string): string {
  let out = '';
  let previousCased = false;
  for (const ch of name) {
    const cased = ch.toLowerCase() !== ch.toUpperCase();
    out += cased ? (previousCased ? ch.toLowerCase() : ch.toUpperCase()) : ch;
    previousCased = cased;
  }
  return out;
}

/** Swift's `config_true_value`. */
export function isTrue(value: string | null | undefined): boolean {
  return value !== null && value !== undefined && ['true', '1', 'yes', 'on', 't', 'y'].includes(value.toLowerCase());
}

/** Python's `urllib.parse.quote` (safe `/`), as Swift quotes names in headers and bodies. */
export function quote(value: string): string {
  return encodeURIComponent(value).replace(/%2F/g, '/').replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
