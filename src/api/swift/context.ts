import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Caller, ObjectBackend } from '../../services/object-storage/types.ts';
import { defaultBody } from './errors.ts';
import type { SwiftPath } from './path.ts';

/** What a valid temp URL allows: its scope (Swift's `authorize_same_account` / `_container`) and how to present the download. */
export interface TempUrlGrant {
  scope: 'account' | 'container';
  container: string;
  expires: number;
  filename?: string;
  inline: boolean;
}

/** One Swift request as the plugin hands it to a handler. */
export interface SwiftCall {
  req: FastifyRequest;
  reply: FastifyReply;
  objects: ObjectBackend;
  /** The token's context, the owning project's for a temp URL, null when anonymous. */
  caller: Caller;
  /** The project of the account in the path (`AUTH_<project>`). */
  projectId: string;
  path: SwiftPath;
  query: URLSearchParams;
  tempUrl?: TempUrlGrant;
}

type SwiftHandler = (call: SwiftCall) => Promise<void>;

/** The account, container and object handlers by `"<METHOD> <level>"`. */
export type SwiftRoutes = Record<string, SwiftHandler>;

/**
 * A response with swob's default body for its status (`202 Accepted` has one, `201` and `204`
 * none) and its default type, which swob sends even without a body.
 */
export function sendStatus(reply: FastifyReply, status: number, headers: Record<string, string> = {}): FastifyReply {
  reply.code(status).type('text/html; charset=UTF-8').headers(headers);
  // Fastify drops the type of a 204 with a payload, even an empty one; it keeps it without.
  return status === 204 ? reply.send() : reply.send(defaultBody(status) ?? '');
}
