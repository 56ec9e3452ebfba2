import { BadRequest } from '../../platform/errors.ts';
import { nextLink } from '../../platform/pagination.ts';
import type { ActionQuery, InstanceAction, InstanceActionEvent } from '../../services/compute/instance-actions.ts';
import { atLeast, type Version } from '../microversion.ts';
import { one, type Query } from '../query.ts';
import type { ComputeApi } from './plugin.ts';

type Id = { id: string };

/** Nova's `api.max_limit`. */
const MAX_LIMIT = 1000;

const ISO_8601 = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?$/i;

/** Nova shows instance action times as naive UTC with microseconds: `2018-04-25T01:26:36.036000`. */
function novaTime(t: string | null): string | null {
  return t === null ? null : new Date(t).toISOString().replace('Z', '000');
}

function actionView(a: InstanceAction, v: Version): Record<string, unknown> {
  return {
    action: a.action, instance_uuid: a.instance_id, request_id: a.request_id, user_id: a.user_id, project_id: a.project_id,
    start_time: novaTime(a.start_time), message: a.message, ...(atLeast(v, '2.58') ? { updated_at: novaTime(a.updated_at) } : {}),
  };
}

function eventView(e: InstanceActionEvent): Record<string, unknown> {
  return { event: e.event, start_time: novaTime(e.start_time), finish_time: novaTime(e.finish_time), result: e.result, ...('traceback' in e ? { traceback: e.traceback } : {}) };
}

/** 2.58's paging parameters, checked as Nova's query schema does; earlier versions ignore them. */
function actionQuery(q: Query, v: Version): ActionQuery {
  if (!atLeast(v, '2.58')) return {};
  const invalid = (name: string, value: string, why: string) => new BadRequest(`Invalid input for query parameters ${name}. Value: ${value}. ${why}`);
  const limit = one(q, 'limit');
  if (limit !== undefined && !/^[0-9]+$/.test(limit)) throw invalid('limit', limit, `'${limit}' does not match '^[0-9]*$'`);
  const since = one(q, 'changes-since');
  if (since !== undefined && (!ISO_8601.test(since) || Number.isNaN(Date.parse(since.replace(' ', 'T'))))) throw invalid('changes-since', since, `'${since}' is not a 'date-time'`);
  return {
    limit: Math.min(MAX_LIMIT, limit === undefined ? MAX_LIMIT : Number(limit)),
    marker: one(q, 'marker'),
    // Without a zone the time is UTC, as oslo's `parse_isotime` reads it.
    changesSince: since === undefined ? undefined : `${since.replace(' ', 'T')}${/(Z|[+-]\d{2}(:?\d{2})?)$/i.test(since) ? '' : 'Z'}`,
  };
}

/** `os-instance-actions`: what was done to a server, by whom, and (for those allowed) how it went. */
export function instanceActionRoutes({ app, compute, auth, version, base }: ComputeApi): void {
  const { instanceActions } = compute;

  app.get<{ Params: Id; Querystring: Query }>('/v2.1/servers/:id/os-instance-actions', async (req) => {
    const v = version(req);
    const q = actionQuery(req.query, v);
    const actions = await instanceActions.list(auth(req), req.params.id, q);
    const body: Record<string, unknown> = { instanceActions: actions.map((a) => actionView(a, v)) };
    // Nova links the next page whenever a page is full.
    if (actions.length > 0 && actions.length === q.limit) {
      const query = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
      body.links = [{ rel: 'next', href: nextLink(`${base}/servers/${req.params.id}/os-instance-actions${query}`, actions.at(-1)!.request_id) }];
    }
    return body;
  });
  app.get<{ Params: Id & { requestId: string } }>('/v2.1/servers/:id/os-instance-actions/:requestId', async (req) => {
    const v = version(req);
    const { action, events } = await instanceActions.get(auth(req), req.params.id, req.params.requestId, atLeast(v, '2.51'));
    return { instanceAction: { ...actionView(action, v), ...(events === null ? {} : { events: events.map(eventView) }) } };
  });
}
