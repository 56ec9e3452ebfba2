import type { FastifyRequest } from 'fastify';
import { Microversions, type Version } from '../microversion.ts';

export { atLeast, formatVersion as format, type Version } from '../microversion.ts';

/**
 * The microversions this API implements. 3.60 covers what clients and the SCS checks use:
 * user messages (3.3, paged 3.5), attachments (3.27), summary (3.12), revert to snapshot (3.40),
 * backup metadata (3.43), volume create from backup (3.47), user ids on snapshots and backups
 * (3.41, 3.56).
 */
export const MIN_VERSION = '3.0';
export const MAX_VERSION = '3.60';

const versions = new Microversions('volume', MIN_VERSION, MAX_VERSION);

/** Reads `OpenStack-API-Version: volume 3.x`; none means 3.0. */
export function requestedVersion(req: FastifyRequest): Version {
  return versions.requested(req);
}
