import type { FastifyRequest } from 'fastify';
import { BadRequest, SovError } from '../platform/errors.ts';

export type Version = { major: number; minor: number };

export const parseVersion = (v: string): Version => ({ major: Number(v.split('.')[0]), minor: Number(v.split('.')[1]) });

export function atLeast(v: Version, want: string): boolean {
  const w = parseVersion(want);
  return v.major > w.major || (v.major === w.major && v.minor >= w.minor);
}

export function formatVersion(v: Version): string {
  return `${v.major}.${v.minor}`;
}

/** 406 for a microversion outside the range, as every OpenStack service answers it. */
export class VersionNotAcceptable extends SovError {
  override readonly status = 406;
  override readonly title = 'Not Acceptable';
}

/**
 * OpenStack microversion negotiation for one service: `OpenStack-API-Version: <service> X.Y`
 * (several services may share the header), `latest`, or the service's legacy header; none means
 * the minimum.
 */
export class Microversions {
  readonly min: Version;
  readonly max: Version;

  constructor(readonly service: string, readonly minVersion: string, readonly maxVersion: string, private readonly legacyHeader?: string) {
    this.min = parseVersion(minVersion);
    this.max = parseVersion(maxVersion);
  }

  requested(req: FastifyRequest): Version {
    const raw = req.headers['openstack-api-version'];
    const header = Array.isArray(raw) ? raw.join(',') : raw;
    const entry = header?.split(',').map((s) => s.trim().split(/\s+/)).find(([service]) => service?.toLowerCase() === this.service);
    const legacy = this.legacyHeader ? req.headers[this.legacyHeader] : undefined;
    const value = entry ? entry[1] ?? '' : Array.isArray(legacy) ? legacy[0] : legacy;
    if (value === undefined) return this.min;
    if (value.toLowerCase() === 'latest') return this.max;
    if (!/^\d+\.\d+$/.test(value)) throw new BadRequest(`API Version String ${value} is of invalid format. Must be of format MajorNum.MinorNum.`);
    const v = parseVersion(value);
    if (!atLeast(v, this.minVersion) || !atLeast(this.max, value)) {
      throw new VersionNotAcceptable(`Version ${value} is not supported by the API. Minimum is ${this.minVersion} and maximum is ${this.maxVersion}.`);
    }
    return v;
  }
}
