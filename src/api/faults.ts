import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Config } from '../platform/config.ts';
import { toWireError } from './errors.ts';

/** Nova and Cinder name the fault body after the status; anything unnamed is a `computeFault`. */
const FAULT_NAMES: Record<number, string> = {
  400: 'badRequest', 401: 'unauthorized', 403: 'forbidden', 404: 'itemNotFound', 405: 'badMethod', 406: 'notAcceptable', 409: 'conflictingRequest',
  413: 'overLimit', 415: 'badMediaType', 429: 'overLimit', 501: 'notImplemented', 503: 'serviceUnavailable',
};

export function sendFault(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).send({ [FAULT_NAMES[status] ?? 'computeFault']: { code: status, message } });
}

/**
 * The error and not-found handlers of a Nova-style API: faults named by status, and 401 answered
 * as keystonemiddleware does before the service sees the request.
 */
export function useNovaFaults(app: FastifyInstance, config: Config, what: string): void {
  app.setErrorHandler((err, req, reply) => {
    const e = toWireError(err);
    if (e.status >= 500) req.log.error({ err }, `${what} request failed`);
    if (e.status === 401) {
      reply.header('WWW-Authenticate', `Keystone uri="${config.publicUrl}/identity"`);
      return reply.code(401).send({ error: { code: 401, title: 'Unauthorized', message: e.message } });
    }
    return sendFault(reply, e.status, e.message);
  });
  app.setNotFoundHandler((_req, reply) => sendFault(reply, 404, 'The resource could not be found.'));
}
