import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { openDatabase, type Db } from '../../platform/db/index.ts';
import { SovError } from '../../platform/errors.ts';
import { PolicyEngine } from '../../platform/policy/engine.ts';
import type { ComputeDeps } from './deps.ts';
import { computePolicies } from './policies.ts';

/** For service tests: an in-memory database with every migration, Nova's policies and a quiet log. */
export async function computeDeps(): Promise<ComputeDeps> {
  const db = await openDatabase(':memory:');
  const policy = new PolicyEngine();
  policy.registerDefaults(computePolicies());
  return { db, policy, log: { info: () => {}, warn: () => {}, error: () => {} } };
}

/** A server row as the server code writes it; only what quotas, hosts and groups read varies. */
export async function addInstance(db: Db, o: { project?: string; vcpus: number; ram: number; disk?: number; vmState?: string; taskState?: string; group?: string; host?: string; name?: string }): Promise<string> {
  const id = randomUUID();
  const t = '2026-12-01T00:00:00Z';
  await db.insertInto('instances').values({
    id, project_id: o.project ?? 'p-1', user_id: 'u', name: o.name ?? `vm-${id.slice(0, 4)}`, hostname: 'vm', description: null,
    flavor: JSON.stringify({ vcpus: o.vcpus, ram: o.ram, disk: o.disk ?? 1, ephemeral: 0, swap: 0 }), old_flavor: null, image_id: '', key_name: null,
    key_data: null, user_data: null, metadata: '{}', vm_state: o.vmState ?? 'active', task_state: o.taskState ?? null, power_state: 1, host: o.host ?? 'h',
    availability_zone: 'nova', config_drive: 0, locked_by: null, locked_reason: null, fault: null, access_ip_v4: null, access_ip_v6: null,
    requested_networks: '[]', requested_volumes: '[]', security_groups: '[]', server_group_id: o.group ?? null, snapshot_image_id: null,
    reservation_id: 'r-1', launch_index: 0, launched_at: null, created_at: t, updated_at: t,
  }).execute();
  return id;
}

/** Matches a SovError with `status` and, when given, a message. */
export const fails = (status: number, message?: RegExp) => (e: unknown) => {
  assert.ok(e instanceof SovError, String(e));
  assert.equal(e.status, status, e.message);
  if (message) assert.match(e.message, message);
  return true;
};
