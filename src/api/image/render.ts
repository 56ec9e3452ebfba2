import type { FastifyReply } from 'fastify';
import { isoSeconds } from '../../platform/time.ts';
import type { Image, Member } from '../../services/image/index.ts';

/** Glance's paths in bodies are relative to the service root (`/v2/images/<id>`), as clients expect. */
export function renderImage(image: Image): Record<string, unknown> {
  const { properties, created_at, updated_at, ...base } = image;
  return {
    ...properties,
    ...base,
    created_at: isoSeconds(new Date(created_at)),
    updated_at: isoSeconds(new Date(updated_at)),
    self: `/v2/images/${image.id}`,
    file: `/v2/images/${image.id}/file`,
    schema: '/v2/schemas/image',
  };
}

export function renderMember(m: Member): Record<string, unknown> {
  return { ...m, created_at: isoSeconds(new Date(m.created_at)), updated_at: isoSeconds(new Date(m.updated_at)), schema: '/v2/schemas/member' };
}

type ErrorFormat = 'html' | 'json' | 'plain';

/**
 * Glance's errors are webob's: the body format follows `Accept` (HTML when it allows anything,
 * JSON when JSON is preferred, else plain text), and the explanation carries webob's `<br />`.
 * python-glanceclient parses the HTML form, openstacksdk the JSON one.
 */
export function sendWebobError(reply: FastifyReply, accept: string | undefined, status: number, title: string, message: string): FastifyReply {
  const statusLine = `${status} ${title}`;
  reply.code(status);
  switch (negotiate(accept)) {
    case 'json':
      return reply.type('application/json').send({ message: `${message}<br /><br />\n\n\n`, code: statusLine, title });
    case 'html': {
      const body = `${escapeHtml(message)}<br /><br />\n\n\n`;
      return reply.type('text/html; charset=UTF-8')
        .send(`<html>\n <head>\n  <title>${statusLine}</title>\n </head>\n <body>\n  <h1>${statusLine}</h1>\n  ${body}\n </body>\n</html>`);
    }
    case 'plain':
      return reply.type('text/plain; charset=UTF-8').send(`${statusLine}\n\n${message}\n\n\n`);
  }
}

/** webob's `acceptable_offers(['text/html', 'application/json'])`: highest q wins, HTML on ties. */
export function negotiate(accept: string | undefined): ErrorFormat {
  if (accept === undefined || accept.trim() === '') return 'html';
  const ranges = accept.split(',').map((part) => {
    const [range, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    return { range: range!.trim(), q: q === undefined ? 1 : Number(q) };
  });
  const quality = (offer: string): number => {
    const [type] = offer.split('/');
    const exact = ranges.find((r) => r.range === offer) ?? ranges.find((r) => r.range === `${type}/*`) ?? ranges.find((r) => r.range === '*/*');
    return exact?.q ?? 0;
  };
  const html = quality('text/html');
  const json = quality('application/json');
  if (html === 0 && json === 0) return 'plain';
  return json > html ? 'json' : 'html';
}

function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}
