import { STATUS_CODES } from 'node:http';
import type { FastifyError } from 'fastify';
import { SovError } from '../platform/errors.ts';

export interface WireError {
  status: number;
  title: string;
  message: string;
}

/**
 * Maps anything thrown in a handler to a status, title and message, once; each API plugin then
 * renders it in its own upstream body. Internal failures never leak their text.
 */
export function toWireError(err: unknown): WireError {
  if (err instanceof SovError) return { status: err.status, title: err.title, message: err.message };
  const fe = err as FastifyError;
  if (fe.validation) {
    const first = fe.validation[0];
    const field = first?.instancePath ? first.instancePath.slice(1).replaceAll('/', '.') : first?.params && 'missingProperty' in first.params ? String(first.params.missingProperty) : 'body';
    return { status: 400, title: 'Bad Request', message: `Invalid input for field '${field}': ${first?.message ?? 'invalid'}.` };
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    const message = fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || fe instanceof SyntaxError ? 'Malformed request body: the body is not valid JSON.' :
      fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'Request Entity Too Large: the request body exceeds the limit.' : fe.message;
    // OpenStack services still use the RFC 2616 reason phrase for 413.
    const title = fe.statusCode === 413 ? 'Request Entity Too Large' : STATUS_CODES[fe.statusCode] ?? 'Error';
    return { status: fe.statusCode, title, message };
  }
  return { status: 500, title: 'Internal Server Error', message: 'An unexpected error prevented the server from fulfilling your request.' };
}
