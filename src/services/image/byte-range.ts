import { BadRequest, RangeNotSatisfiable } from '../../platform/errors.ts';
import type { ByteRange } from './data-store.ts';

/** The part of the image data a download asks for, as the request headers carry it. */
export interface RangeRequest {
  range?: string;
  /** Glance still honours `Content-Range` in requests, for clients older than its `Range` support. */
  contentRange?: string;
}

const RANGE = /^bytes *= *(\d*) *- *(\d*)\s*$/i;
const CONTENT_RANGE = /^bytes (?:(\d+)-(\d+)|\*)\/(?:(\d+)|\*)$/;

/**
 * The bytes of `size`-byte data a download serves, as Glance resolves them
 * (`glance/common/wsgi.py` `get_range_from_request`, webob's parsers): undefined for the whole
 * data, else one range clamped to the data. `Range` wins over `Content-Range`. Several ranges
 * are a 400; a malformed range, or one starting at or past the end, a 416.
 */
export function resolveRange({ range, contentRange }: RangeRequest, size: number): ByteRange | undefined {
  if (range !== undefined) return fromRange(range, size);
  if (contentRange !== undefined) return fromContentRange(contentRange, size);
  return undefined;
}

function fromRange(header: string, size: number): ByteRange {
  if (header.includes(',')) {
    throw new BadRequest('Requests with multiple ranges are not supported in Glance. You may make multiple single-range requests instead.');
  }
  const m = RANGE.exec(header);
  const [first, last] = [m?.[1] ?? '', m?.[2] ?? ''];
  if (first === '') {
    // A suffix longer than the data is all of it. Glance serves everything for `bytes=-0` (webob
    // reads it as `bytes=0-`) and a broken `bytes 0--1/0` for empty data; RFC 9110 makes both
    // unsatisfiable, and so they are here.
    const length = Number(last);
    if (last === '' || length === 0 || size === 0) throw new RangeNotSatisfiable('Invalid Range header.', size);
    return { start: Math.max(size - length, 0), end: size - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) throw new RangeNotSatisfiable('Invalid Range header.', size);
  if (start >= size) {
    throw new RangeNotSatisfiable(`Invalid start position in Range header. Start position MUST be in the inclusive range [0, ${size - 1}].`, size);
  }
  return { start, end: last === '' ? size - 1 : Math.min(Number(last), size - 1) };
}

function fromContentRange(header: string, size: number): ByteRange {
  const m = CONTENT_RANGE.exec(header);
  // `bytes */n` names no bytes at all (Glance fails on it with a 500).
  if (!m?.[1] || !m[2]) throw new RangeNotSatisfiable('Invalid Content-Range header.', size);
  const start = Number(m[1]);
  const end = Number(m[2]);
  const total = m[3] === undefined ? undefined : Number(m[3]);
  if (end < start || (total !== undefined && end >= total)) throw new RangeNotSatisfiable('Invalid Content-Range header.', size);
  if (total === undefined && end >= size) {
    throw new RangeNotSatisfiable(`Invalid stop position in Content-Range header. The stop position MUST be in the inclusive range [0, ${size - 1}].`, size);
  }
  if (start >= size) {
    throw new RangeNotSatisfiable(`Invalid start position in Content-Range header. Start position MUST be in the inclusive range [0, ${size - 1}].`, size);
  }
  // A total larger than the data would make Glance announce more bytes than it sends; clamp.
  return { start, end: Math.min(end, size - 1) };
}
