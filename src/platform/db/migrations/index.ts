import type { Migration } from 'kysely';
import * as identity from './2026-11-23-001-identity.ts';
import * as image from './2026-11-23-002-image.ts';
import * as blockStorage from './2026-11-23-003-block-storage.ts';
import * as volumeImageMetadata from './2026-11-23-004-volume-image-metadata.ts';
import * as blockStorageMessages from './2026-11-23-005-block-storage-messages.ts';
import * as network from './2026-12-01-006-network.ts';
import * as compute from './2026-12-01-007-compute.ts';
import * as placement from './2026-12-01-008-placement.ts';
import * as objectStorage from './2026-12-01-009-object-storage.ts';
import * as objectInlineData from './2026-12-01-010-object-inline-data.ts';

/** Applied in name order; never edit a shipped migration, add a new one. */
export const migrations: Record<string, Migration> = {
  '2026-11-23-001-identity': identity,
  '2026-11-23-002-image': image,
  '2026-11-23-003-block-storage': blockStorage,
  '2026-11-23-004-volume-image-metadata': volumeImageMetadata,
  '2026-11-23-005-block-storage-messages': blockStorageMessages,
  '2026-12-01-006-network': network,
  '2026-12-01-007-compute': compute,
  '2026-12-01-008-placement': placement,
  '2026-12-01-009-object-storage': objectStorage,
  '2026-12-01-010-object-inline-data': objectInlineData,
};
