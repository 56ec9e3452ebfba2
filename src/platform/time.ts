/** `2026-11-23T10:00:00.000000Z`: Keystone's token timestamps carry microseconds. */
export function isoMicros(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** `2026-11-23T10:00:00Z`: Glance and most resource `created_at` fields. */
export function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `2026-11-23T10:00:00.000000`: Nova/Cinder-style naive UTC timestamps. */
export function isoNaive(d: Date): string {
  return isoMicros(d).slice(0, -1);
}

/** Parses the timestamp forms clients send (with or without zone; naive means UTC). */
export function parseTimestamp(value: string): Date | undefined {
  const withZone = /[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`;
  const d = new Date(withZone);
  return Number.isNaN(d.getTime()) ? undefined : d;
}
