import type { Readable } from 'node:stream';
import type { AuthContext } from '../../platform/auth.ts';
import { BadRequest } from '../../platform/errors.ts';

/**
 * What block storage needs of the image service to create a volume from an image (Cinder's
 * `glance.GlanceImageService`), wired in the composition root. Every call acts as the caller, so
 * the image service's visibility rules and policies (`get_image`, `download_image`) apply.
 */
export interface ImageSource {
  /**
   * The images the caller sees whose id is `ref` or, when none has that id, whose name is `ref`
   * (Cinder accepts either as `imageRef`). Empty when there is none the caller may see.
   */
  lookup(ctx: AuthContext, ref: string): Promise<ImageDescription[]>;

  /**
   * Opens the image's data as the caller downloads it. Throws when the caller may not download it
   * or it has no data; otherwise the caller must read the stream to its end or destroy it.
   */
  openData(ctx: AuthContext, imageId: string): Promise<Readable>;
}

export interface ImageDescription {
  id: string;
  name: string | null;
  status: string;
  disk_format: string | null;
  container_format: string | null;
  checksum: string | null;
  /** Bytes of the stored data. */
  size: number | null;
  /** Bytes the guest sees; null when the image service could not tell. */
  virtual_size: number | null;
  /** GiB. */
  min_disk: number;
  /** MiB. */
  min_ram: number;
  /** The image's custom properties. */
  properties: Record<string, string>;
}

/** Cinder's `ImageUnacceptable` (400): the image exists but cannot become a volume. */
export class ImageUnacceptable extends BadRequest {
  constructor(imageId: string, reason: string) {
    super(`Image ${imageId} is unacceptable: ${reason}`);
  }
}

/**
 * What a volume keeps of its image (Cinder's `_capture_volume_image_metadata`): the base
 * attributes that are set, then every custom property not shadowing one; all values strings, as
 * Cinder's `volume_glance_metadata` stores them.
 */
export function volumeImageMetadata(image: ImageDescription): Record<string, string> {
  // This cloud does not verify image signatures; Cinder records that as a string flag too.
  const out: Record<string, string> = { signature_verified: 'False', image_id: image.id };
  if (image.name) out.image_name = image.name;
  const base = { checksum: image.checksum, container_format: image.container_format, disk_format: image.disk_format, min_disk: image.min_disk, min_ram: image.min_ram, size: image.size };
  for (const [key, value] of Object.entries(base)) if (value !== null) out[key] = String(value);
  for (const [key, value] of Object.entries(image.properties)) out[key] ??= value;
  return out;
}
