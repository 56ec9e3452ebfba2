import type { Selectable } from 'kysely';
import type { AuthContext } from '../../platform/auth.ts';
import type { Db } from '../../platform/db/index.ts';
import { uuid } from '../../platform/ids.ts';
import { badRequest, callerProject, enforce, notFound, type ComputeContext, type ComputeDeps } from './deps.ts';
import type { Servers } from './servers.ts';
import type { InstanceActionEventTable, InstanceActionTable } from './tables.ts';

export type InstanceAction = Selectable<InstanceActionTable>;
/** An event as its reader may see it: the traceback only for those allowed all details. */
export type InstanceActionEvent = Omit<Selectable<InstanceActionEventTable>, 'traceback'> & { traceback?: string | null };

/** The action each controller task belongs to and the event Nova's compute manager records for it. */
const TASKS: Record<string, { action: string; event: string }> = {
  'powering-off': { action: 'stop', event: 'compute_stop_instance' },
  'powering-on': { action: 'start', event: 'compute_start_instance' },
  rebooting: { action: 'reboot', event: 'compute_reboot_instance' },
  rebooting_hard: { action: 'reboot', event: 'compute_reboot_instance' },
  pausing: { action: 'pause', event: 'compute_pause_instance' },
  unpausing: { action: 'unpause', event: 'compute_unpause_instance' },
  suspending: { action: 'suspend', event: 'compute_suspend_instance' },
  resuming: { action: 'resume', event: 'compute_resume_instance' },
  resize_prep: { action: 'resize', event: 'compute_resize_instance' },
  resize_reverting: { action: 'revertResize', event: 'compute_revert_resize' },
  rebuilding: { action: 'rebuild', event: 'compute_rebuild_instance' },
  image_snapshot: { action: 'createImage', event: 'compute_snapshot_instance' },
};
/** Every build step is part of the `create` action's one event. */
const BUILD = { action: 'create', event: 'compute__do_build_and_run_instance' };

/** Milliseconds, so a server's actions keep their order within a second. */
const stamp = () => new Date().toISOString();

/**
 * Nova's `InstanceAction.action_start` and `InstanceActionEvent.event_start`/`event_finish`: the
 * API records an action per request that changes a server; the controller records the events
 * of the work it does for it, and a failed event marks its action `Error`.
 */
export class ActionRecorder {
  constructor(private readonly d: ComputeDeps, private readonly host: string) {}

  /** Records that `action` started for the caller's request; joins `db`'s transaction. Returns the request id. */
  async start(ctx: ComputeContext, instanceId: string, action: string, db: Db = this.d.db): Promise<string> {
    const requestId = ctx.requestId ?? `req-${uuid()}`;
    const t = stamp();
    await db.insertInto('instance_actions').values({
      request_id: requestId, instance_id: instanceId, action, project_id: callerProject(ctx), user_id: ctx.user.id, message: null, start_time: t, updated_at: t,
    }).execute();
    return requestId;
  }

  /** An action whose one event is work done within the request (attaching a volume, confirming a resize). */
  async during<T>(ctx: ComputeContext, instanceId: string, action: string, event: string, work: () => Promise<T>): Promise<T> {
    const requestId = await this.start(ctx, instanceId, action);
    await this.eventStart(instanceId, requestId, event);
    try {
      const result = await work();
      await this.eventFinish(instanceId, requestId, event, undefined);
      return result;
    } catch (err) {
      await this.eventFinish(instanceId, requestId, event, err);
      throw err;
    }
  }

  /** The controller begins the work of `task` (a server's task_state, or `building`). */
  async taskStarted(instanceId: string, task: string): Promise<void> {
    const t = await this.ofTask(instanceId, task);
    if (t) await this.eventStart(instanceId, t.requestId, t.event);
  }

  /** The controller finished the work of `task`, failing with `error` when given. */
  async taskFinished(instanceId: string, task: string, error: unknown): Promise<void> {
    const t = await this.ofTask(instanceId, task);
    if (t) await this.eventFinish(instanceId, t.requestId, t.event, error);
  }

  /** A deleted server's actions go with it (Nova keeps them, but only shows them from 2.21). */
  async forget(instanceId: string): Promise<void> {
    await this.d.db.deleteFrom('instance_actions_events').where('instance_id', '=', instanceId).execute();
    await this.d.db.deleteFrom('instance_actions').where('instance_id', '=', instanceId).execute();
  }

  /** The newest action of the task's kind: the API starts no second one while the task runs. */
  private async ofTask(instanceId: string, task: string): Promise<{ requestId: string; event: string } | undefined> {
    const spec = task === 'building' ? BUILD : TASKS[task];
    if (!spec) return undefined;
    const a = await this.d.db.selectFrom('instance_actions').select('request_id').where('instance_id', '=', instanceId).where('action', '=', spec.action)
      .orderBy('start_time', 'desc').executeTakeFirst();
    return a && { requestId: a.request_id, event: spec.event };
  }

  /** Idempotent: a task the controller retries starts its event again. */
  private async eventStart(instanceId: string, requestId: string, event: string): Promise<void> {
    const t = stamp();
    await this.d.db.insertInto('instance_actions_events')
      .values({ instance_id: instanceId, request_id: requestId, event, start_time: t, finish_time: null, result: null, traceback: null, host: this.host })
      .onConflict((oc) => oc.columns(['instance_id', 'request_id', 'event']).doUpdateSet({ start_time: t, finish_time: null, result: null, traceback: null }))
      .execute();
    await this.d.db.updateTable('instance_actions').set({ updated_at: t }).where('instance_id', '=', instanceId).where('request_id', '=', requestId).execute();
  }

  private async eventFinish(instanceId: string, requestId: string, event: string, error: unknown): Promise<void> {
    const t = stamp();
    const failed = error !== undefined;
    await this.d.db.updateTable('instance_actions_events')
      .set({ finish_time: t, result: failed ? 'Error' : 'Success', traceback: failed ? (error instanceof Error ? error.message : String(error)) : null })
      .where('instance_id', '=', instanceId).where('request_id', '=', requestId).where('event', '=', event).execute();
    await this.d.db.updateTable('instance_actions').set({ updated_at: t, ...(failed ? { message: 'Error' } : {}) })
      .where('instance_id', '=', instanceId).where('request_id', '=', requestId).execute();
  }
}

export interface ActionQuery {
  limit?: number;
  /** A request id: the page starts after its action. */
  marker?: string;
  /** ISO-8601: only actions updated since. */
  changesSince?: string;
}

/** `os-instance-actions`: a server's actions, newest first, and one with its events. */
export class InstanceActions {
  constructor(private readonly d: ComputeDeps, private readonly servers: Pick<Servers, 'row'>) {}

  async list(ctx: AuthContext, serverId: string, q: ActionQuery): Promise<InstanceAction[]> {
    const row = await this.servers.row(ctx, serverId);
    enforce(this.d, ctx, 'os_compute_api:os-instance-actions:list', { project_id: row.project_id });
    const all = await this.d.db.selectFrom('instance_actions').selectAll().where('instance_id', '=', serverId)
      .orderBy('start_time', 'desc').orderBy('request_id', 'desc').execute();
    let start = 0;
    if (q.marker !== undefined) {
      start = all.findIndex((a) => a.request_id === q.marker) + 1;
      if (start === 0) throw badRequest(`Marker ${q.marker} could not be found.`);
    }
    const since = q.changesSince === undefined ? undefined : Date.parse(q.changesSince);
    const found = all.slice(start).filter((a) => since === undefined || Date.parse(a.updated_at ?? a.start_time) >= since);
    return q.limit === undefined ? found : found.slice(0, q.limit);
  }

  /**
   * The action with its events, newest first: with every detail for those the `events` policy
   * allows, else without tracebacks when `eventsForReaders` (2.51), else none.
   */
  async get(ctx: AuthContext, serverId: string, requestId: string, eventsForReaders: boolean): Promise<{ action: InstanceAction; events: InstanceActionEvent[] | null }> {
    const row = await this.servers.row(ctx, serverId);
    enforce(this.d, ctx, 'os_compute_api:os-instance-actions:show', { project_id: row.project_id });
    const action = await this.d.db.selectFrom('instance_actions').selectAll().where('instance_id', '=', serverId).where('request_id', '=', requestId).executeTakeFirst();
    if (!action) throw notFound(`Action ${requestId} not found`);
    const details = this.d.policy.check('os_compute_api:os-instance-actions:events', ctx.credentials, { project_id: row.project_id });
    if (!details && !eventsForReaders) return { action, events: null };
    const events = await this.d.db.selectFrom('instance_actions_events').selectAll().where('instance_id', '=', serverId).where('request_id', '=', requestId)
      .orderBy('start_time', 'desc').execute();
    return { action, events: details ? events : events.map(({ traceback: _, ...e }) => e) };
  }
}
