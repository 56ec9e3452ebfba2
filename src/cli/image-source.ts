import { Forbidden, NotFound } from '../platform/errors.ts';
import type { ImageDescription, ImageSource } from '../services/block-storage/index.ts';
import type { Image, ImageService } from '../services/image/index.ts';

/** Block storage's view of the image service, through the image service's own policy checks. */
export function imageSource(image: ImageService): ImageSource {
  return {
    async lookup(ctx, ref) {
      try {
        return [describe(await image.images.get(ctx, ref))];
      } catch (err) {
        // Not visible by id: Cinder then tries the reference as a name.
        if (!(err instanceof NotFound || err instanceof Forbidden)) throw err;
      }
      return (await image.images.list(ctx, { name: ref, limit: '2' })).items.map(describe);
    },
    async openData(ctx, imageId) {
      const { data } = await image.data.download(ctx, imageId);
      if (!data) throw new NotFound(`Image ${imageId} has no data.`);
      return data;
    },
  };
}

function describe(i: Image): ImageDescription {
  return {
    id: i.id, name: i.name, status: i.status, disk_format: i.disk_format, container_format: i.container_format, checksum: i.checksum,
    size: i.size, virtual_size: i.virtual_size, min_disk: i.min_disk, min_ram: i.min_ram, properties: i.properties,
  };
}
