import type { Readable } from 'node:stream';
import type { AuthContext } from '../../platform/auth.ts';
import { BadRequest, Conflict, Forbidden, SovError } from '../../platform/errors.ts';
import { WorkQueue } from '../../platform/reconcile.ts';
import { resolveRange, type RangeRequest } from './byte-range.ts';
import { ImageDataNotFound, type ByteRange, type StoredData } from './data-store.ts';
import { enforce, imageTarget, isAdmin, visibleImage, type ImageDeps } from './deps.ts';
import { IMAGE_SIZE_CAP, IMPORT_METHODS, type Image } from './model.ts';
import type { ImageTable } from './tables.ts';

/** The image was deleted while its data was arriving (Glance answers 410 and drops the data). */
export class ImageGone extends SovError {
  override readonly status = 410;
  override readonly title = 'Gone';
}

export interface ImportRequest {
  method?: { name?: string; uri?: string };
  all_stores_must_succeed?: boolean;
}

/** Statuses whose image data exists and is served. */
const WITH_DATA = ['active', 'deactivated'];

/**
 * Image data: upload (queued -> saving -> active), download, and interoperable import (stage:
 * queued -> uploading; import: uploading -> importing -> active). Every status change is
 * compare-and-set, and every failure puts the image back to `queued` with its data removed.
 */
export class ImageData {
  /** The import controller: keys are image ids, each reconciled from a fresh read of its row. */
  private readonly imports: WorkQueue;

  constructor(private readonly d: ImageDeps) {
    this.imports = new WorkQueue((id) => this.reconcileImport(id), { concurrency: 2 });
  }

  async upload(ctx: AuthContext, id: string, data: Readable): Promise<void> {
    const { image, memberId } = await visibleImage(this.d, ctx, id);
    enforce(this.d, ctx, 'upload_image', imageTarget(image, memberId));
    const diskFormat = requireFormats(image);
    await this.begin(image, 'saving');
    try {
      const stored = await this.d.data.write('image', id, data, { maxSize: IMAGE_SIZE_CAP });
      const { virtualSize } = await this.d.data.inspect(id, diskFormat);
      if (!(await this.d.store.transition(id, ['saving'], activeWith(stored, virtualSize)))) {
        await this.d.data.delete('image', id);
        throw new ImageGone(`Image ${id} could not be found after upload. The image may have been deleted during the upload, cleaning up the chunks uploaded.`);
      }
    } catch (err) {
      if (!(err instanceof ImageGone)) await this.restore(id, 'saving');
      throw err;
    }
  }

  /**
   * The data stream of an image, or undefined when it has none yet (Glance answers 204). With a
   * range requested, only those bytes, and `range` says which; the range is checked only after
   * the caller may see the image, so an invisible one stays a 404.
   */
  async download(ctx: AuthContext, id: string, requested: RangeRequest = {}): Promise<{ image: Image; data?: Readable; range?: ByteRange }> {
    const { image, memberId } = await visibleImage(this.d, ctx, id);
    enforce(this.d, ctx, 'download_image', imageTarget(image, memberId));
    if (image.status === 'deactivated' && !isAdmin(this.d, ctx)) {
      throw new Forbidden('The requested image has been deactivated. Image data download is forbidden.');
    }
    if (!WITH_DATA.includes(image.status)) return { image };
    const range = image.size === null ? undefined : resolveRange(requested, image.size);
    try {
      return { image, data: await this.d.data.read(id, range), ...(range && { range }) };
    } catch (err) {
      if (err instanceof ImageDataNotFound) return { image };
      throw err;
    }
  }

  async stage(ctx: AuthContext, id: string, data: Readable): Promise<void> {
    const { image, memberId } = await visibleImage(this.d, ctx, id);
    enforce(this.d, ctx, 'modify_image', imageTarget(image, memberId));
    await this.begin(image, 'uploading');
    try {
      await this.d.data.write('staging', id, data, { maxSize: IMAGE_SIZE_CAP });
    } catch (err) {
      await this.restore(id, 'uploading');
      throw err;
    }
    if (!(await this.d.store.find(id))) {
      await this.d.data.delete('staging', id);
      throw new ImageGone(`Image ${id} could not be found after staging. The image may have been deleted during the upload.`);
    }
  }

  /** Starts an import and returns at once (202); the image goes active or back to queued. */
  async import(ctx: AuthContext, id: string, body: ImportRequest): Promise<void> {
    const method = checkImportRequest(body);
    const { image, memberId } = await visibleImage(this.d, ctx, id);
    enforce(this.d, ctx, 'modify_image', imageTarget(image, memberId));
    if (image.status === 'active') throw new Conflict('Image with status active cannot be target for import');
    if (method === 'web-download' && image.status !== 'queued') throw new Conflict("Image needs to be in 'queued' state to use 'web-download' method");
    if (method === 'glance-direct' && image.status !== 'uploading') throw new Conflict("Image needs to be staged before 'glance-direct' method can be used");
    if (!image.container_format) throw new Conflict("'container_format' needs to be set before import");
    if (!image.disk_format) throw new Conflict("'disk_format' needs to be set before import");
    if (method === 'web-download') {
      // The cloud never fetches from addresses it does not own; Glance's answer to a URI its
      // import filter refuses is this 400, and the image stays queued.
      throw new BadRequest(`URI for web-download does not pass filtering: ${body.method?.uri ?? ''} ` +
        '(this cloud does not download image data from remote addresses; upload the data, or stage it and use glance-direct)');
    }
    if (!(await this.d.store.transition(id, ['uploading'], { status: 'importing' }))) {
      throw new Conflict(`New operation on image '${id}' is not permitted as prior operation is still in progress`);
    }
    this.imports.add(id);
  }

  /**
   * Drives an `importing` image to active: promotes staged data, hashes and inspects it. Anything
   * else is left alone. An import that cannot finish is final, as in Glance: the image goes back
   * to queued without data, so this never throws and never retries.
   */
  private async reconcileImport(id: string): Promise<void> {
    const row = await this.d.store.find(id);
    if (row?.status !== 'importing') return;
    try {
      const stored = await this.d.data.promote(id);
      const { virtualSize } = await this.d.data.inspect(id, row.disk_format ?? '');
      if (!(await this.d.store.transition(id, ['importing'], activeWith(stored, virtualSize)))) {
        await this.d.data.delete('image', id);
        this.d.log.info({ image: id }, 'image deleted during import; its data was removed');
      }
    } catch (err) {
      this.d.log.error({ err, image: id }, 'image import failed; the image is back to queued');
      await this.d.data.delete('staging', id);
      await this.restore(id, 'importing');
    }
  }

  /** Resolves when no import is queued or running. */
  idle(): Promise<void> {
    return this.imports.idle();
  }

  /**
   * Converges after a crash, before the API serves: interrupted uploads go back to `queued` with
   * no data, stages without complete data too, imports resume, and files no image owns (orphans
   * and temporaries) are removed. A second run is a no-op.
   */
  async recover(): Promise<void> {
    const { store, data } = this.d;
    const temporaries = await data.removeTemporaries();
    const saving = await store.byStatus(['saving']);
    for (const row of saving) await this.restore(row.id, 'saving');
    let unstaged = 0;
    for (const row of await store.byStatus(['uploading'])) {
      if (await data.exists('staging', row.id)) continue;
      await store.transition(row.id, ['uploading'], { status: 'queued' });
      unstaged++;
    }
    const importing = await store.byStatus(['importing']);
    for (const row of importing) this.imports.add(row.id);
    const orphans = await this.removeOrphans('image', [...WITH_DATA, 'importing']) + await this.removeOrphans('staging', ['uploading', 'importing']);
    this.d.log.info({ temporaries, saving: saving.length, unstaged, importing: importing.length, orphans }, 'image data recovered');
  }

  private async removeOrphans(area: 'image' | 'staging', owning: string[]): Promise<number> {
    const keep = new Set((await this.d.store.byStatus(owning)).map((r) => r.id));
    let removed = 0;
    for (const id of await this.d.data.list(area)) {
      if (keep.has(id)) continue;
      await this.d.data.delete(area, id);
      removed++;
    }
    return removed;
  }

  /** Moves a queued image into `to`, or explains with Glance's 409 why it cannot. */
  private async begin(image: Image, to: 'saving' | 'uploading'): Promise<void> {
    if (image.status !== 'queued' || !(await this.d.store.transition(image.id, ['queued'], { status: to }))) {
      const current = (await this.d.store.find(image.id))?.status ?? 'deleted';
      throw new Conflict(`Image status transition from ${current} to ${to} is not allowed`);
    }
  }

  /** Back to queued with no data, if still in `from` (a concurrent delete wins). */
  private async restore(id: string, from: string): Promise<void> {
    await this.d.data.delete('image', id);
    await this.d.store.transition(id, [from], { status: 'queued' });
  }
}

function requireFormats(image: Image): string {
  if (!image.disk_format || !image.container_format) {
    throw new BadRequest('Properties container_format, disk_format must be set prior to saving data.');
  }
  return image.disk_format;
}

function activeWith(stored: StoredData, virtualSize: number | null): Partial<ImageTable> & { status: string } {
  return {
    status: 'active', size: stored.size, checksum: stored.checksum, os_hash_algo: stored.hashAlgo,
    os_hash_value: stored.hashValue, virtual_size: virtualSize,
  };
}

function checkImportRequest(body: ImportRequest): string {
  if (body.method === undefined) throw new BadRequest("Import request requires a 'method' field.");
  const name = body.method.name;
  if (name === undefined) throw new BadRequest("Import request requires a 'name' field.");
  if (!(IMPORT_METHODS as readonly string[]).includes(name)) throw new BadRequest(`Unknown import method name '${name}'.`);
  if (body.all_stores_must_succeed === false) throw new BadRequest('All_stores_must_succeed can only be set with enabled_backends');
  return name;
}
