import { BadRequest } from '../../platform/errors.ts';
import { parseLimit } from '../../platform/pagination.ts';
import type { Keypair, KeypairCreate } from '../../services/compute/keypairs.ts';
import { atLeast, type Version } from '../microversion.ts';
import { one, type Query } from '../query.ts';
import type { ComputeApi } from './plugin.ts';
import { pageLinks } from './views-flavors.ts';

type Name = { name: string };

const createSchema = {
  type: 'object', required: ['keypair'], additionalProperties: false,
  properties: {
    keypair: {
      type: 'object', required: ['name'], additionalProperties: false,
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 255 }, public_key: { type: 'string', maxLength: 65535 },
        type: { type: 'string', enum: ['ssh', 'x509'] }, user_id: { type: 'string', minLength: 1, maxLength: 255 },
      },
    },
  },
};

/** Request fields by the microversion that introduced them. */
const SINCE: Record<string, string> = { type: '2.2', user_id: '2.10' };

/** `type` is shown from 2.2 on. */
const typed = (v: Version, k: Keypair) => (atLeast(v, '2.2') ? { type: k.type } : {});

/** Nova's keypairs: the caller's own, or (admins, 2.10+) any user's through `user_id`. */
export function keypairRoutes({ app, compute, auth, version, base }: ComputeApi): void {
  const { keypairs } = compute;
  const userParam = (v: Version, q: Query) => (atLeast(v, '2.10') ? one(q, 'user_id') : undefined);

  app.get<{ Querystring: Query }>('/v2.1/os-keypairs', async (req) => {
    const v = version(req);
    const paged = atLeast(v, '2.35');
    const page = await keypairs.list(auth(req), {
      userId: userParam(v, req.query), ...(paged ? { limit: parseLimit(one(req.query, 'limit')), marker: one(req.query, 'marker') } : {}),
    });
    const links = paged ? pageLinks(base, req.url, page.nextMarker) : [];
    return {
      keypairs: page.items.map((k) => ({ keypair: { name: k.name, public_key: k.public_key, fingerprint: k.fingerprint, ...typed(v, k) } })),
      ...(links.length ? { keypairs_links: links } : {}),
    };
  });

  app.get<{ Params: Name; Querystring: Query }>('/v2.1/os-keypairs/:name', async (req) => {
    const v = version(req);
    const k = await keypairs.show(auth(req), req.params.name, userParam(v, req.query));
    return {
      keypair: {
        name: k.name, public_key: k.public_key, fingerprint: k.fingerprint, user_id: k.user_id, created_at: k.created_at,
        deleted: false, deleted_at: null, updated_at: null, id: k.id, ...typed(v, k),
      },
    };
  });

  app.post<{ Body: { keypair: KeypairCreate } }>('/v2.1/os-keypairs', { schema: { body: createSchema } }, async (req, reply) => {
    const v = version(req);
    for (const [field, since] of Object.entries(SINCE)) {
      if (field in req.body.keypair && !atLeast(v, since)) {
        throw new BadRequest(`Invalid input for field/attribute keypair. Value: ${JSON.stringify(req.body.keypair)}. Additional properties are not allowed ('${field}' was unexpected)`);
      }
    }
    const k = await keypairs.create(auth(req), req.body.keypair);
    const keypair = {
      name: k.name, public_key: k.public_key, fingerprint: k.fingerprint, user_id: k.user_id, ...typed(v, k),
      ...(k.private_key === undefined ? {} : { private_key: k.private_key }),
    };
    // Nova answers 200 at 2.1 and 201 from 2.2 on.
    return reply.code(atLeast(v, '2.2') ? 201 : 200).send({ keypair });
  });

  app.delete<{ Params: Name; Querystring: Query }>('/v2.1/os-keypairs/:name', async (req, reply) => {
    const v = version(req);
    await keypairs.delete(auth(req), req.params.name, userParam(v, req.query));
    return reply.code(atLeast(v, '2.2') ? 204 : 202).send();
  });
}
