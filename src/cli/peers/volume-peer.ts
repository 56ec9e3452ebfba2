import { projectContext } from '../../platform/auth.ts';
import { SovError } from '../../platform/errors.ts';
import type { BlockStorage } from '../../services/block-storage/index.ts';
import type { VolumeDisk } from '../../services/compute/driver.ts';
import type { VolumePeer } from '../../services/compute/peers.ts';

/** How long compute waits for a volume made from an image before the build fails (Nova's `block_device_allocate_retries`). */
const VOLUME_READY_TIMEOUT_MS = 10 * 60_000;

/** Compute's view of block storage: Cinder's attachment flow, as Nova's `volume/cinder.py` drives it. */
export function volumePeer(storage: BlockStorage): VolumePeer {
  const admin = projectContext('sovcloud-compute', ['admin', 'member', 'reader'], 'sovcloud-compute');
  const disk = async (attachmentId: string, volumeId: string, deviceName: string): Promise<VolumeDisk> => {
    const a = await storage.attachments.get(admin, attachmentId);
    const data = (a.connection_info?.data ?? {}) as { device_path?: string; format?: string };
    if (!data.device_path) throw new SovError(`Attachment ${attachmentId} has no connection to attach.`);
    const passphrase = await storage.attachments.passphrase(admin, attachmentId);
    return { volumeId, path: data.device_path, format: data.format ?? 'raw', serial: volumeId.slice(0, 20), deviceName, ...(passphrase ? { passphrase } : {}) };
  };
  return {
    async get(ctx, id) {
      const v = await storage.volumes.get(ctx, id);
      return { id: v.id, size: v.size, status: v.status, bootable: v.bootable, imageMetadata: v.image_metadata };
    },
    async create(ctx, sizeGiB, imageId, name) {
      const v = await storage.volumes.create(ctx, { size: sizeGiB, name, ...(imageId ? { imageRef: imageId } : {}) });
      const deadline = Date.now() + VOLUME_READY_TIMEOUT_MS;
      for (;;) {
        const now = await storage.volumes.get(ctx, v.id);
        if (now.status === 'available') return v.id;
        if (now.status.startsWith('error')) throw new SovError(`Volume ${v.id} went to ${now.status} while being created for the server.`);
        if (Date.now() > deadline) throw new SovError(`Volume ${v.id} was not available after ${VOLUME_READY_TIMEOUT_MS / 1000} s.`);
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    async attach(ctx, volumeId, serverId, host, deviceName) {
      const a = await storage.attachments.create(ctx, { volume_uuid: volumeId, instance_uuid: serverId, connector: { host, platform: 'x86_64', os_type: 'linux', multipath: false }, mode: 'rw' });
      await storage.attachments.complete(ctx, a.id);
      return { attachmentId: a.id, disk: await disk(a.id, volumeId, deviceName) };
    },
    disk,
    async detach(attachmentId) {
      await storage.attachments.delete(admin, attachmentId);
    },
    async delete(volumeId) {
      await storage.volumes.delete(admin, volumeId, {});
    },
  };
}
