import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { QemuComputeDriver } from '../drivers/compute/qemu/qemu-compute-driver.ts';
import { LinuxNetworkDriver } from '../drivers/network/linux/linux-network-driver.ts';
import type { Config } from '../platform/config.ts';
import type { Logger } from '../platform/log.ts';

/**
 * Every namespace, host link and runtime directory of the cloud in `config.stateDir` starts with
 * a prefix derived from the state directory, so two clouds on one host (as the tests run them)
 * never touch each other's devices or processes.
 */
function prefix(config: Config): string {
  return `sv${createHash('sha256').update(resolve(config.stateDir)).digest('hex').slice(0, 4)}`;
}

/**
 * Pid files, sockets and daemon configurations are runtime state: /run empties on reboot, when the
 * controllers' resync rebuilds them; the network daemons (which drop to `nobody`) can read them there.
 */
const runDir = (config: Config, part: string) => join('/run/sovcloud', prefix(config), part);

export function networkDriver(config: Config, log: Logger): LinuxNetworkDriver {
  return new LinuxNetworkDriver({ prefix: prefix(config), runDir: runDir(config, 'network'), metadataSocket: join(config.stateDir, 'metadata.sock'), log });
}

export function computeDriver(config: Config, log: Logger): QemuComputeDriver {
  return new QemuComputeDriver({ instancesDir: join(config.stateDir, 'instances'), runDir: runDir(config, 'compute'), log });
}
