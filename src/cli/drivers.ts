import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { LinuxNetworkDriver } from '../drivers/network/linux/linux-network-driver.ts';
import type { Config } from '../platform/config.ts';
import type { Logger } from '../platform/log.ts';

/**
 * The Linux data plane of the cloud in `config.stateDir`. Every namespace and host link name
 * starts with a prefix derived from the state directory, so two clouds on one host (as the
 * tests run them) never touch each other's devices.
 */
export function networkDriver(config: Config, log: Logger): LinuxNetworkDriver {
  const prefix = `sv${createHash('sha256').update(resolve(config.stateDir)).digest('hex').slice(0, 4)}`;
  // Pid files and daemon configurations are runtime state: /run empties on reboot, when the
  // controller's resync rebuilds them; the daemons (which drop to `nobody`) can read them there.
  return new LinuxNetworkDriver({ prefix, runDir: join('/run/sovcloud', prefix), metadataSocket: join(config.stateDir, 'metadata.sock'), log });
}
