import type { FastifyRequest } from 'fastify';

/** Keystone puts a `links.self` on every entity and `links.{self,previous,next}` on every list. */
export class Links {
  constructor(private readonly origin: string, readonly v3: string) {}

  entity<T extends object>(path: string, entity: T & { id: string }): T & { links: { self: string } } {
    return { ...entity, links: { self: `${this.v3}/${path}/${entity.id}` } };
  }

  collection(req: FastifyRequest): { self: string; previous: null; next: null } {
    return { self: `${this.origin}${req.url}`, previous: null, next: null };
  }
}
