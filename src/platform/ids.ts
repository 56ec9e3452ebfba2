import { randomUUID } from 'node:crypto';

/** Keystone-style identifier: a UUID4 as 32 hex digits. */
export function hexId(): string {
  return randomUUID().replaceAll('-', '');
}

/** Nova/Neutron/Cinder-style identifier: a dashed UUID4. */
export function uuid(): string {
  return randomUUID();
}
