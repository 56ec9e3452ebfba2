import type { IncomingHttpHeaders } from 'node:http';
import { plainError } from './errors.ts';
import { fromHeader, titleCase, toHeader } from './wire.ts';

export type MetaTarget = 'account' | 'container' | 'object';

/** Swift's default constraints (also published by `/info`). */
export const LIMITS = {
  maxMetaNameLength: 128,
  maxMetaValueLength: 256,
  maxMetaCount: 90,
  maxMetaOverallSize: 4096,
};

const prefix = (target: MetaTarget) => `x-${target}-meta-`;
const removePrefix = (target: MetaTarget) => `x-remove-${target}-meta-`;

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The user metadata a request sets, by lower-case name: `X-<Target>-Meta-Name: value`. Names
 * reach Swift through WSGI's environ, where `_` and `-` are one character: both come back as
 * `-`. For accounts and containers an empty value, or `X-Remove-<Target>-Meta-Name`, removes the
 * name (the backend merges); an object's metadata is replaced whole, so an empty value is kept
 * as such and removal headers mean nothing.
 */
export function requestMeta(headers: IncomingHttpHeaders, target: MetaTarget): Record<string, string> {
  const meta: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers)) {
    const value = first(raw);
    if (value === undefined) continue;
    const wsgiName = name.replace(/_/g, '-');
    if (wsgiName.startsWith(prefix(target))) {
      meta[wsgiName.slice(prefix(target).length)] = fromHeader(value).trim();
    } else if (target !== 'object' && wsgiName.startsWith(removePrefix(target))) {
      meta[wsgiName.slice(removePrefix(target).length)] = '';
    }
  }
  return meta;
}

/**
 * Swift's `check_metadata`: each name and value within bounds, and not too many or too much in
 * all. Sizes are UTF-8 bytes, as Swift counts them.
 */
export function checkMetadata(meta: Record<string, string>, target: MetaTarget): void {
  const p = `X-${titleCase(target)}-Meta-`;
  let count = 0;
  let size = 0;
  for (const [name, value] of Object.entries(meta)) {
    if (name === '') throw plainError(400, 'Metadata name cannot be empty');
    count += 1;
    size += Buffer.byteLength(name) + Buffer.byteLength(value);
    if (Buffer.byteLength(name) > LIMITS.maxMetaNameLength) throw plainError(400, `Metadata name too long: ${p}${titleCase(name)}`);
    if (Buffer.byteLength(value) > LIMITS.maxMetaValueLength) {
      throw plainError(400, `Metadata value longer than ${LIMITS.maxMetaValueLength}: ${p}${titleCase(name)}`);
    }
    if (count > LIMITS.maxMetaCount) throw plainError(400, `Too many metadata items; max ${LIMITS.maxMetaCount}`);
    if (size > LIMITS.maxMetaOverallSize) throw plainError(400, `Total metadata too large; max ${LIMITS.maxMetaOverallSize}`);
  }
}

/** Response headers for stored metadata: `X-<Target>-Meta-<Title-Cased-Name>`. */
export function metaHeaders(meta: Record<string, string>, target: MetaTarget): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(meta)) out[titleCase(`x-${target}-meta-${name}`)] = toHeader(value);
  return out;
}

/**
 * Takes names that are settings rather than metadata (quotas) out of `meta`: the value set
 * (undefined when the request does not touch the name; '' when it removes it).
 */
export function takeSetting(meta: Record<string, string>, name: string): string | undefined {
  const value = meta[name];
  delete meta[name];
  return value;
}
