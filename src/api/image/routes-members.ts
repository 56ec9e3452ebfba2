import { noContent } from '../http.ts';
import type { ImageApi } from './plugin.ts';
import { renderMember } from './render.ts';
import * as schemas from './schemas.ts';

type Id = { id: string };
type MemberId = Id & { member: string };

/** Image members, and the schema documents clients fetch to validate what they send. */
export function memberRoutes({ app, image, auth }: ImageApi): void {
  const { members } = image;

  app.get<{ Params: Id }>('/v2/images/:id/members', async (req) => ({
    members: (await members.list(auth(req), req.params.id)).map(renderMember),
    schema: '/v2/schemas/members',
  }));
  app.post<{ Params: Id; Body: { member: string } }>('/v2/images/:id/members', { schema: { body: schemas.createMember } }, async (req) =>
    renderMember(await members.create(auth(req), req.params.id, req.body.member)));
  app.get<{ Params: MemberId }>('/v2/images/:id/members/:member', async (req) =>
    renderMember(await members.get(auth(req), req.params.id, req.params.member)));
  app.put<{ Params: MemberId; Body: { status: string } }>('/v2/images/:id/members/:member', { schema: { body: schemas.updateMember } }, async (req) =>
    renderMember(await members.update(auth(req), req.params.id, req.params.member, req.body.status)));
  app.delete<{ Params: MemberId }>('/v2/images/:id/members/:member', async (req, reply) => {
    await members.delete(auth(req), req.params.id, req.params.member);
    return noContent(reply);
  });

  const documents = {
    image: schemas.imageDocument,
    images: schemas.imagesDocument,
    member: schemas.memberDocument,
    members: schemas.membersDocument,
  };
  for (const [name, doc] of Object.entries(documents)) {
    app.get(`/v2/schemas/${name}`, async (req) => {
      auth(req);
      return doc;
    });
  }
}
