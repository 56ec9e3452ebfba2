import { connect, type Socket } from 'node:net';
import { ComputeBackendError } from '../../../services/compute/driver.ts';

/**
 * Connects to an instance's serial socket. QEMU serves one client per chardev and leaves further
 * ones waiting unanswered in the listen backlog, so the caller must admit one at a time.
 */
export function openSerialSocket(path: string, id: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    const fail = (err: Error) => reject(new ComputeBackendError(`The serial console of instance ${id} cannot be reached: ${err.message}`, { cause: err }));
    socket.once('error', fail);
    socket.once('connect', () => {
      socket.off('error', fail);
      resolve(socket);
    });
  });
}
