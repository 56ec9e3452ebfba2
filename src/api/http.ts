import type { FastifyReply, FastifyRequest } from 'fastify';

/** Shared by every API plugin: the first value of a request header. */
export function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function noContent(reply: FastifyReply): FastifyReply {
  return reply.code(204).send();
}
