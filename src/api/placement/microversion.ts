import type { FastifyRequest } from 'fastify';
import { BadRequest, SovError } from '../../platform/errors.ts';

/**
 * Placement microversions 1.0-1.29: everything up to nested allocation candidates. Later ones
 * (reshaper 1.30, in_tree on candidates 1.31, forbidden aggregates 1.32, string suffixes 1.33,
 * mappings 1.34, root_required 1.35, same_subtree 1.36, re-parenting 1.37, consumer types 1.38,
 * any-traits 1.39) are not implemented, so not advertised.
 */
export const MIN_VERSION = '1.0';
export const MAX_VERSION = '1.29';
const MAX_MINOR = 29;

/** A requested placement microversion; the major version is always 1. */
export class Version {
  constructor(readonly minor: number) {}

  atLeast(minor: number): boolean {
    return this.minor >= minor;
  }

  toString(): string {
    return `1.${this.minor}`;
  }
}

export const MIN = new Version(0);
export const MAX = new Version(MAX_MINOR);

/** 406, whose error entry also carries `min_version` and `max_version` for clients to negotiate. */
export class VersionNotAcceptable extends SovError {
  override readonly status = 406;
  override readonly title = 'Not Acceptable';
}

/** Reads `OpenStack-API-Version: placement 1.x` (other services may share the header); none means 1.0. */
export function requestedVersion(req: FastifyRequest): Version {
  const raw = req.headers['openstack-api-version'];
  const header = Array.isArray(raw) ? raw.join(',') : raw;
  if (!header) return MIN;
  const entry = header.split(',').map((s) => s.trim().split(/\s+/)).find(([service]) => service?.toLowerCase() === 'placement');
  if (!entry) return MIN;
  const value = entry[1] ?? '';
  if (value.toLowerCase() === 'latest') return MAX;
  const m = /^(\d+)\.(\d+)$/.exec(value);
  if (!m) throw new BadRequest(`invalid version string: ${value}`);
  if (Number(m[1]) !== 1 || Number(m[2]) > MAX_MINOR) throw new VersionNotAcceptable(`Unacceptable version header: ${value}`);
  return new Version(Number(m[2]));
}
