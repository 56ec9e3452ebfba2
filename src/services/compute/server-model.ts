import type { Selectable } from 'kysely';
import type { PowerState } from './driver.ts';
import type { ServerAddress } from './peers.ts';
import type { InstanceTable } from './tables.ts';

/** Nova's `power_state` numbers. */
export const POWER: Record<PowerState, number> = { nostate: 0, running: 1, paused: 3, shutdown: 4, crashed: 6, suspended: 7 };

/** Nova's flavor as embedded in a server (2.47+), kept as it was at boot. */
export interface EmbeddedFlavor {
  id: string;
  original_name: string;
  vcpus: number;
  ram: number;
  disk: number;
  ephemeral: number;
  swap: number;
  extra_specs: Record<string, string>;
}

export interface Fault {
  code: number;
  message: string;
  details: string;
  created: string;
}

/** A server with everything its views need, loaded in batches. */
export interface Server {
  row: Selectable<InstanceTable>;
  flavor: EmbeddedFlavor;
  status: string;
  addresses: ServerAddress[];
  volumes: { id: string; delete_on_termination: boolean }[];
  tags: string[];
  securityGroups: string[];
  fault: Fault | null;
}

/** Nova's `common.status_from_state`: the API status from vm_state and task_state. */
export function serverStatus(vmState: string, taskState: string | null): string {
  if (vmState === 'active') {
    const byTask: Record<string, string> = {
      rebooting: 'REBOOT', reboot_pending: 'REBOOT', reboot_started: 'REBOOT', rebooting_hard: 'HARD_REBOOT', reboot_pending_hard: 'HARD_REBOOT',
      reboot_started_hard: 'HARD_REBOOT', rebuilding: 'REBUILD', rebuild_block_device_mapping: 'REBUILD', rebuild_spawning: 'REBUILD',
      resize_prep: 'RESIZE', resize_migrating: 'RESIZE', resize_migrated: 'RESIZE', resize_finish: 'RESIZE', resize_reverting: 'REVERT_RESIZE',
      image_snapshot: 'ACTIVE', image_uploading: 'ACTIVE',
    };
    return (taskState && byTask[taskState]) ?? 'ACTIVE';
  }
  const byVm: Record<string, string> = {
    building: 'BUILD', stopped: 'SHUTOFF', paused: 'PAUSED', suspended: 'SUSPENDED', resized: 'VERIFY_RESIZE', error: 'ERROR', deleted: 'DELETED',
    soft_deleted: 'SOFT_DELETED', shelved: 'SHELVED', shelved_offloaded: 'SHELVED_OFFLOADED', rescued: 'RESCUE',
  };
  if (vmState === 'stopped' && taskState === 'rebuilding') return 'REBUILD';
  if (vmState === 'resized' && taskState === 'resize_reverting') return 'REVERT_RESIZE';
  return byVm[vmState] ?? 'UNKNOWN';
}

/** Which API statuses a `status=` filter names, back to vm_states (Nova's `task_and_vm_state_from_status`). */
export function vmStatesFor(status: string): string[] {
  const map: Record<string, string[]> = {
    ACTIVE: ['active'], BUILD: ['building'], SHUTOFF: ['stopped'], PAUSED: ['paused'], SUSPENDED: ['suspended'], VERIFY_RESIZE: ['resized'],
    ERROR: ['error'], DELETED: ['deleted'], REBOOT: ['active'], HARD_REBOOT: ['active'], RESIZE: ['active'], REBUILD: ['active', 'stopped'],
    SHELVED: ['shelved'], SHELVED_OFFLOADED: ['shelved_offloaded'], RESCUE: ['rescued'], SOFT_DELETED: ['soft_deleted'],
  };
  return map[status.toUpperCase()] ?? [];
}
