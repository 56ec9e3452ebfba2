import type { Nic } from '../../../services/compute/driver.ts';
import { run } from './exec.ts';

/**
 * A NIC's tap lives in the namespace the network service names, on its bridge, created before
 * QEMU opens it by name: so the port is on its network before the guest sends a frame, and the
 * tap persists across power cycles like Nova's plugged VIFs.
 */
export async function ensureTap(nic: Nic): Promise<void> {
  const exists = await run('ip', ['-n', nic.namespace, 'link', 'show', 'dev', nic.device]).then(() => true, () => false);
  if (!exists) await run('ip', ['-n', nic.namespace, 'tuntap', 'add', 'dev', nic.device, 'mode', 'tap']);
  await run('ip', ['-n', nic.namespace, 'link', 'set', 'dev', nic.device, 'master', nic.bridge, 'mtu', String(nic.mtu), 'up']);
}

/** Afterwards the tap is gone; a missing tap or namespace counts as removed. */
export async function removeTap(namespace: string, device: string): Promise<void> {
  const exists = await run('ip', ['-n', namespace, 'link', 'show', 'dev', device]).then(() => true, () => false);
  if (exists) await run('ip', ['-n', namespace, 'link', 'del', 'dev', device]);
}
