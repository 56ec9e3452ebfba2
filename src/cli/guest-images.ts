import { createReadStream } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { projectContext } from '../platform/auth.ts';
import type { Logger } from '../platform/log.ts';
import type { ImageService } from '../services/image/index.ts';
import { ensureTinyImage } from './guest-image.ts';

export const TINY_IMAGE = 'sovcloud-tiny';

/** Built images outlive clouds: every new state directory reuses them. */
export function cacheDir(): string {
  return process.env.SOVCLOUD_CACHE_DIR ?? join(homedir(), '.cache', 'sovcloud', 'images');
}

/**
 * Gives a fresh cloud its public tiny guest image (built from Debian packages on first use, then
 * cached), carrying the SCS image metadata (scs-0102) the build wrote for it.
 */
export async function registerGuestImages(image: ImageService, adminProject: string, log: Logger): Promise<void> {
  const ctx = projectContext(adminProject, ['admin', 'member', 'reader'], 'sovcloud-bootstrap');
  const existing = (await image.images.list(ctx, { name: TINY_IMAGE })).items;
  if (existing.some((i) => i.status === 'active')) return;
  for (const stale of existing) await image.images.delete(ctx, stale.id);
  log.info({ image: TINY_IMAGE }, 'registering the tiny guest image (built from Debian packages on first use)');
  const built = await ensureTinyImage(cacheDir());
  const { min_disk: minDisk, min_ram: minRam, ...properties } = built.properties;
  const created = await image.images.create(ctx, {
    name: TINY_IMAGE, disk_format: 'qcow2', container_format: 'bare', visibility: 'public',
    min_disk: Number(minDisk ?? 1), min_ram: Number(minRam ?? 128), ...properties,
  });
  await image.data.upload(ctx, created.id, createReadStream(built.qcow2));
}
