import type { FastifyRequest } from 'fastify';
import { BadRequest, SovError } from '../../platform/errors.ts';

/**
 * The microversions this API implements. 3.60 covers what clients and the SCS checks use:
 * user messages (3.3, paged 3.5), attachments (3.27), summary (3.12), revert to snapshot (3.40),
 * backup metadata (3.43), volume create from backup (3.47), user ids on snapshots and backups
 * (3.41, 3.56).
 */
export const MIN_VERSION = '3.0';
export const MAX_VERSION = '3.60';

export type Version = { major: number; minor: number };

const parse = (v: string): Version => ({ major: Number(v.split('.')[0]), minor: Number(v.split('.')[1]) });
const MIN = parse(MIN_VERSION);
const MAX = parse(MAX_VERSION);

/** 406 with Cinder's wording; the fault body names it `computeFault`, as Cinder does for 406. */
export class VersionNotAcceptable extends SovError {
  override readonly status = 406;
  override readonly title = 'Not Acceptable';
}

export function atLeast(v: Version, want: string): boolean {
  const w = parse(want);
  return v.major > w.major || (v.major === w.major && v.minor >= w.minor);
}

export function format(v: Version): string {
  return `${v.major}.${v.minor}`;
}

/** Reads `OpenStack-API-Version: volume 3.x` (several services may share the header); none means 3.0. */
export function requestedVersion(req: FastifyRequest): Version {
  const raw = req.headers['openstack-api-version'];
  const header = Array.isArray(raw) ? raw.join(',') : raw;
  if (!header) return MIN;
  const entry = header.split(',').map((s) => s.trim().split(/\s+/)).find(([service]) => service?.toLowerCase() === 'volume');
  if (!entry) return MIN;
  const value = entry[1] ?? '';
  if (value.toLowerCase() === 'latest') return MAX;
  if (!/^\d+\.\d+$/.test(value)) throw new BadRequest(`API Version String ${value} is of invalid format. Must be of format MajorNum.MinorNum.`);
  const v = parse(value);
  if (!atLeast(v, MIN_VERSION) || !atLeast(MAX, value)) {
    throw new VersionNotAcceptable(`Version ${value} is not supported by the API. Minimum is ${MIN_VERSION} and maximum is ${MAX_VERSION}.`);
  }
  return v;
}
