import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { NotFound } from '../../platform/errors.ts';
import type { ImageInfo, ImagePeer } from '../../services/compute/peers.ts';
import type { Image, ImageService } from '../../services/image/index.ts';

/**
 * Compute's view of the image service, with Nova's image cache: an image's data is copied to
 * `<cacheDir>/<id>` once (images never change their data) and overlays are based on that copy.
 */
export function imagePeer(image: ImageService, cacheDir: string): ImagePeer {
  const info = (i: Image): ImageInfo => ({
    id: i.id, name: i.name ?? '', status: i.status, diskFormat: i.disk_format ?? 'raw', minDisk: i.min_disk, minRam: i.min_ram, size: i.size ?? 0,
    properties: i.properties,
  });
  const fetching = new Map<string, Promise<void>>();
  return {
    async get(ctx, id) {
      return info(await image.images.get(ctx, id));
    },
    async localCopy(ctx, id) {
      const meta = await image.images.get(ctx, id);
      const path = join(cacheDir, id);
      const have = await stat(path).then((s) => s.size === meta.size, () => false);
      if (!have) {
        // One download per image even when several servers boot from it at once.
        let job = fetching.get(id);
        if (!job) {
          job = (async () => {
            await mkdir(cacheDir, { recursive: true, mode: 0o700 });
            const { data } = await image.data.download(ctx, id);
            if (!data) throw new NotFound(`Image ${id} has no data.`);
            const tmp = `${path}.part`;
            try {
              await pipeline(data, createWriteStream(tmp, { mode: 0o600 }));
              await rename(tmp, path);
            } finally {
              await rm(tmp, { force: true });
            }
          })().finally(() => fetching.delete(id));
          fetching.set(id, job);
        }
        await job;
      }
      return { path, format: meta.disk_format === 'qcow2' ? 'qcow2' : 'raw' };
    },
    async reserve(ctx, name, properties) {
      return (await image.images.create(ctx, { name, disk_format: 'qcow2', container_format: 'bare', ...properties })).id;
    },
    async upload(ctx, id, data) {
      await image.data.upload(ctx, id, data);
    },
  };
}
