import type { Db } from '../../platform/db/index.ts';
import type { PolicyEngine } from '../../platform/policy/engine.ts';
import type { ImageDataStore } from './data-store.ts';
import type { ImageDeps, Logger } from './deps.ts';
import { ImageData } from './image-data.ts';
import { Images } from './images.ts';
import { Members } from './members.ts';
import { imagePolicies } from './policies.ts';
import { ImageStore } from './store.ts';

export type { ImageDataStore } from './data-store.ts';
export type { Logger } from './deps.ts';
export type { Query } from './filters.ts';
export type { ImportRequest } from './image-data.ts';
export type { Change, PatchDialect } from './json-patch.ts';
export { parsePatch, PATCH_MEDIA_TYPES } from './json-patch.ts';
export type { Member } from './members.ts';
export type { Image, PropertySchema } from './model.ts';
export { BASE_PROPERTIES, IMPORT_METHODS, MEMBER_STATUSES } from './model.ts';

/** Glance v2: the public interface the HTTP layer and other services (compute, block storage) use. */
export interface ImageService {
  images: Images;
  data: ImageData;
  members: Members;
}

export function createImageService(db: Db, policy: PolicyEngine, data: ImageDataStore, log: Logger): ImageService {
  policy.registerDefaults(imagePolicies());
  const d: ImageDeps = { store: new ImageStore(db), data, policy, log };
  return { images: new Images(d), data: new ImageData(d), members: new Members(d) };
}
