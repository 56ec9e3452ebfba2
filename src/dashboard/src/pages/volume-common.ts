import { call, type CallOptions, type Session } from '../api.ts';

/** The version the dashboard was written against; it names the fields the pages read. */
const MICROVERSION = { 'OpenStack-API-Version': 'volume 3.60' };

export function cinder<T = any>(session: Session, path: string, o: CallOptions = {}): Promise<T> {
  return call<T>(session, 'block-storage', path, { ...o, headers: { ...MICROVERSION, ...o.headers } });
}

export interface Volume {
  id: string;
  name: string | null;
  size: number;
  status: string;
  volume_type: string | null;
  bootable: string;
  attachments: { server_id: string; device?: string }[];
}

/** A snapshot or a backup: the fields both lists show. */
export interface VolumeCopy {
  id: string;
  name: string | null;
  volume_id: string;
  size: number;
  status: string;
  created_at: string;
}

export type Snapshot = VolumeCopy;
export type Backup = VolumeCopy;

const SETTLED = ['available', 'in-use', 'error', 'error_deleting', 'error_restoring', 'error_extending'];

/** Poll every 2 s while any item is still on its way somewhere. */
export const pollWhileBusy = (items: { status: string }[]) => (items.some((i) => !SETTLED.includes(i.status)) ? 2000 : undefined);

export const volumeName = (v: { id: string; name: string | null }) => v.name || v.id.slice(0, 8);
