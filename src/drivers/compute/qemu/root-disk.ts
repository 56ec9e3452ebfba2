import { rename, rm } from 'node:fs/promises';
import type { RootDisk } from '../../../services/compute/driver.ts';
import { run } from './exec.ts';

/** A qcow2 overlay on the image, never smaller than the image (a shorter disk would cut off the guest's file system). */
export async function createOverlay(disk: string, root: Extract<RootDisk, { kind: 'image' }>): Promise<void> {
  const size = Math.max(root.sizeGiB * 2 ** 30, await virtualSize(root.imagePath, root.imageFormat));
  await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', root.imageFormat, '-b', root.imagePath, disk, String(size)]);
}

/**
 * A standalone qcow2 of the overlay's guest-visible data (the image beneath included). `-U`: a
 * running QEMU holds the write lock; the caller has stopped its guest, which drains and flushes
 * its writes first.
 */
export async function convertToImage(disk: string, target: string): Promise<void> {
  const partial = `${target}.partial`;
  try {
    await run('qemu-img', ['convert', '-U', '-f', 'qcow2', '-O', 'qcow2', disk, partial]);
    await rename(partial, target);
  } finally {
    await rm(partial, { force: true });
  }
}

/** Grows, never shrinks. */
export async function growOverlay(disk: string, sizeGiB: number): Promise<void> {
  if ((await virtualSize(disk, 'qcow2')) < sizeGiB * 2 ** 30) await run('qemu-img', ['resize', '-q', '-f', 'qcow2', disk, `${sizeGiB}G`]);
}

async function virtualSize(path: string, format: string): Promise<number> {
  const info = JSON.parse(await run('qemu-img', ['info', '-U', '--output=json', '-f', format, path])) as { 'virtual-size': number };
  return info['virtual-size'];
}
