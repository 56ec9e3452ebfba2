/** An inclusive byte range. */
export interface ByteRange {
  start: number;
  end: number;
}

/** One `first-last`, `first-` or `-suffix` of a Range header. */
export type RangeSpec = { start: number; end?: number } | { suffix: number };

/**
 * The specs of a `bytes=` range set; undefined when any spec is malformed, in which case the
 * header is ignored (RFC 7233, as swob's `Range`).
 */
export function parseRangeSet(value: string): RangeSpec[] | undefined {
  const m = /^bytes=(.+)$/i.exec(value.trim());
  if (!m) return undefined;
  const specs: RangeSpec[] = [];
  for (const part of m[1]!.split(',')) {
    const spec = /^\s*(\d*)-(\d*)\s*$/.exec(part);
    if (!spec || (spec[1] === '' && spec[2] === '')) return undefined;
    if (spec[1] === '') {
      specs.push({ suffix: Number(spec[2]) });
      continue;
    }
    const start = Number(spec[1]);
    const end = spec[2] === '' ? undefined : Number(spec[2]);
    if (end !== undefined && end < start) return undefined;
    specs.push({ start, end });
  }
  return specs;
}

/** The bytes a spec selects of `size` (swob's `ranges_for_length`); undefined when it selects none. */
export function resolveRange(spec: RangeSpec, size: number): ByteRange | undefined {
  if ('suffix' in spec) {
    if (spec.suffix === 0 || size === 0) return undefined;
    return { start: Math.max(size - spec.suffix, 0), end: size - 1 };
  }
  if (spec.start >= size) return undefined;
  return { start: spec.start, end: Math.min(spec.end ?? size - 1, size - 1) };
}
