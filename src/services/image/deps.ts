import type { Logger } from '../../platform/log.ts';
import type { AuthContext } from '../../platform/auth.ts';
import { Forbidden, NotFound } from '../../platform/errors.ts';
import type { PolicyEngine, Target } from '../../platform/policy/engine.ts';
import type { ImageDataStore } from './data-store.ts';
import type { Image } from './model.ts';
import type { ImageStore } from './store.ts';

export type { Logger } from '../../platform/log.ts';

/** What every image module is built from; wired once in index.ts. */
export interface ImageDeps {
  store: ImageStore;
  data: ImageDataStore;
  policy: PolicyEngine;
  log: Logger;
}

/** Policy failures read as Glance words them. */
export function enforce(d: ImageDeps, ctx: AuthContext, action: string, target: Target): void {
  if (!d.policy.check(`image:${action}`, ctx.credentials, target)) {
    throw new Forbidden(`You are not authorized to complete ${action} action.`);
  }
}

export function isAdmin(d: ImageDeps, ctx: AuthContext): boolean {
  return d.policy.check('image:context_is_admin', ctx.credentials, {});
}

export function imageNotFound(id: string): NotFound {
  return new NotFound(`No image found with ID ${id}`);
}

/** The policy target of an image: owner as `project_id`, the caller's membership as `member_id`. */
export function imageTarget(image: Pick<Image, 'id' | 'owner' | 'visibility'>, memberId?: string): Target {
  const target: Target = { id: image.id, visibility: image.visibility };
  if (image.owner !== null) target.project_id = image.owner;
  if (memberId !== undefined) target.member_id = memberId;
  return target;
}

/**
 * Loads an image the caller may see (Glance's `is_image_visible`): admins see all, everyone sees
 * owner-less, public and community images and their own, members see shared ones (any member
 * status, so a pending member can accept). Anything else is "not found", never "forbidden".
 * Returns the caller's membership id, for policy targets.
 */
export async function visibleImage(d: ImageDeps, ctx: AuthContext, id: string): Promise<{ image: Image; memberId?: string }> {
  const image = await d.store.load(id);
  if (!image) throw imageNotFound(id);
  const project = ctx.scope.kind === 'project' ? ctx.scope.project.id : undefined;
  const membership = project !== undefined && image.visibility === 'shared' ? await d.store.member(id, project) : undefined;
  const visible = isAdmin(d, ctx) || image.owner === null || image.visibility === 'public' || image.visibility === 'community' ||
    (project !== undefined && image.owner === project) || membership !== undefined;
  if (!visible) throw imageNotFound(id);
  return membership ? { image, memberId: membership.member } : { image };
}
