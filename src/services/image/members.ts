import { projectId, type AuthContext } from '../../platform/auth.ts';
import { Conflict, Forbidden, NotFound, PayloadTooLarge } from '../../platform/errors.ts';
import { enforce, imageTarget, isAdmin, visibleImage, type ImageDeps } from './deps.ts';
import { MEMBER_QUOTA, type Image } from './model.ts';
import type { ImageMemberTable } from './tables.ts';

export interface Member {
  image_id: string;
  member_id: string;
  status: string;
  created_at: string;
  updated_at: string;
}

const toMember = (r: ImageMemberTable): Member =>
  ({ image_id: r.image_id, member_id: r.member, status: r.status, created_at: r.created_at, updated_at: r.updated_at });

/**
 * Image members: the owner shares a `shared` image with other projects, each member accepts or
 * rejects it. The owner (and an admin) sees every member; a member sees only its own record.
 */
export class Members {
  constructor(private readonly d: ImageDeps) {}

  async list(ctx: AuthContext, imageId: string): Promise<Member[]> {
    const { image, memberId } = await this.shared(ctx, imageId);
    enforce(this.d, ctx, 'get_members', imageTarget(image, memberId));
    const rows = await this.d.store.members(imageId);
    return rows.filter((r) => this.mayRead(ctx, image, r)).map(toMember);
  }

  async get(ctx: AuthContext, imageId: string, member: string): Promise<Member> {
    const { image, memberId } = await this.shared(ctx, imageId);
    enforce(this.d, ctx, 'get_member', imageTarget(image, memberId));
    return toMember(await this.find(ctx, image, member));
  }

  async create(ctx: AuthContext, imageId: string, member: string): Promise<Member> {
    const { image, memberId } = await this.shared(ctx, imageId);
    enforce(this.d, ctx, 'add_member', imageTarget(image, memberId));
    if (await this.d.store.member(imageId, member)) throw new Conflict(`Member ${member} is duplicated for image ${imageId}`);
    if ((await this.d.store.members(imageId)).length >= MEMBER_QUOTA) {
      throw new PayloadTooLarge('The limit has been exceeded on the number of allowed image members for this image.');
    }
    const now = new Date().toISOString();
    const row: ImageMemberTable = { image_id: imageId, member, status: 'pending', created_at: now, updated_at: now };
    await this.d.store.addMember(row);
    return toMember(row);
  }

  /** Only the member itself (or an admin) decides whether it accepts the image. */
  async update(ctx: AuthContext, imageId: string, member: string, status: string): Promise<Member> {
    const { image } = await this.shared(ctx, imageId);
    const row = await this.find(ctx, image, member);
    enforce(this.d, ctx, 'modify_member', imageTarget(image, row.member));
    const now = new Date().toISOString();
    await this.d.store.setMemberStatus(imageId, member, status, now);
    return toMember({ ...row, status, updated_at: now });
  }

  async delete(ctx: AuthContext, imageId: string, member: string): Promise<void> {
    const { image, memberId } = await this.shared(ctx, imageId);
    const row = await this.find(ctx, image, member);
    enforce(this.d, ctx, 'delete_member', imageTarget(image, memberId));
    await this.d.store.removeMember(imageId, row.member);
  }

  /** The image, if the caller sees it and it is one that has members at all. */
  private async shared(ctx: AuthContext, imageId: string): Promise<{ image: Image; memberId?: string }> {
    const found = await visibleImage(this.d, ctx, imageId);
    if (found.image.visibility !== 'shared') throw new Forbidden('Only shared images have members.');
    return found;
  }

  private async find(ctx: AuthContext, image: Image, member: string): Promise<ImageMemberTable> {
    const row = await this.d.store.member(image.id, member);
    if (!row || !this.mayRead(ctx, image, row)) throw new NotFound(`${member} not found in the member list of the image ${image.id}.`);
    return row;
  }

  private mayRead(ctx: AuthContext, image: Image, row: ImageMemberTable): boolean {
    const project = projectId(ctx);
    return isAdmin(this.d, ctx) || (project !== undefined && (image.owner === project || row.member === project));
  }
}
