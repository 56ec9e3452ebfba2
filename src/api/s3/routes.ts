import { bucketAclRoutes } from './bucket-acl.ts';
import { bucketConfigRoutes } from './bucket-config.ts';
import { bucketDefaultRoutes } from './bucket-defaults.ts';
import { lifecycleRoutes } from './bucket-lifecycle.ts';
import { bucketRoutes } from './buckets.ts';
import type { S3Routes } from './context.ts';
import { deleteObjectsRoutes } from './delete-objects.ts';
import { listingRoutes } from './listing.ts';
import { multipartRoutes } from './multipart.ts';
import { objectRoutes } from './objects.ts';

/** Merges route tables; two tables claiming one route is a programming error, caught at start-up. */
function mergeRoutes(...tables: S3Routes[]): S3Routes {
  const merged: S3Routes = {};
  for (const table of tables) {
    for (const [route, operation] of Object.entries(table)) {
      if (Object.hasOwn(merged, route)) throw new Error(`two S3 operations claim the route '${route}'`);
      merged[route] = operation;
    }
  }
  return merged;
}

/** Every S3 operation this cloud serves, by `"<METHOD> <level> <subresource>"`. */
export const s3Routes: S3Routes = mergeRoutes(
  bucketRoutes, bucketAclRoutes, bucketConfigRoutes, lifecycleRoutes, bucketDefaultRoutes,
  objectRoutes, listingRoutes, multipartRoutes, deleteObjectsRoutes,
);
