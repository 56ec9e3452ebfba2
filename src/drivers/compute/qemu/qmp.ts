import { connect, type Socket } from 'node:net';
import { ComputeBackendError } from '../../../services/compute/driver.ts';

/** A QMP command failed; `errorClass` is QEMU's (`GenericError`, `DeviceNotFound`, ...). */
export class QmpError extends ComputeBackendError {
  constructor(readonly command: string, readonly errorClass: string, desc: string) {
    super(`QMP ${command} failed: ${desc}`);
  }
}

interface Pending {
  command: string;
  resolve(value: unknown): void;
  reject(err: Error): void;
}

/**
 * A minimal client of QEMU's machine protocol over its unix socket: greeting, capabilities
 * negotiation, commands matched to replies by id. Events are ignored: QEMU serves one client per
 * socket at a time (a second waits for the first to leave), so callers hold a connection only for
 * one short exchange and poll state across connections, which also survives a caller that gave
 * up half-way (a DEVICE_DELETED sent to a closed connection is lost; the device's absence is not).
 */
export class Qmp {
  private buffer = '';
  private nextId = 1;
  private readonly pending = new Map<string, Pending>();
  private closed: Error | null = null;
  private greeted: (() => void) | null = null;

  private constructor(private readonly socket: Socket, path: string) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.receive(chunk));
    socket.on('error', (err) => this.fail(new ComputeBackendError(`QMP socket ${path}: ${err.message}`, { cause: err })));
    socket.on('close', () => this.fail(new ComputeBackendError(`QMP socket ${path} closed.`)));
  }

  static async connect(path: string, timeoutMs = 5000): Promise<Qmp> {
    const socket = connect(path);
    const qmp = new Qmp(socket, path);
    try {
      await withTimeout(new Promise<void>((resolve, reject) => {
        qmp.greeted = resolve;
        socket.once('error', reject);
        socket.once('close', () => reject(new ComputeBackendError(`QMP socket ${path} closed before the greeting.`)));
      }), timeoutMs, `QMP greeting on ${path}`);
      await qmp.execute('qmp_capabilities');
      return qmp;
    } catch (err) {
      socket.destroy();
      if (err instanceof ComputeBackendError) throw err;
      throw new ComputeBackendError(`Cannot reach QMP at ${path}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Runs `command`; resolves with its `return` value, rejects with QmpError on an `error` reply. */
  execute<T = unknown>(command: string, args?: Record<string, unknown>, timeoutMs = 30_000): Promise<T> {
    if (this.closed) return Promise.reject(this.closed);
    const id = String(this.nextId++);
    const reply = new Promise<unknown>((resolve, reject) => this.pending.set(id, { command, resolve, reject }));
    this.socket.write(`${JSON.stringify({ execute: command, ...(args ? { arguments: args } : {}), id })}\n`);
    return withTimeout(reply, timeoutMs, `QMP ${command}`).finally(() => this.pending.delete(id)) as Promise<T>;
  }

  close(): void {
    this.socket.destroy();
  }

  private receive(chunk: string): void {
    this.buffer += chunk;
    let newline;
    while ((newline = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, newline).trim();
      this.buffer = this.buffer.slice(newline + 1);
      if (line) this.handle(JSON.parse(line) as Record<string, unknown>);
    }
  }

  private handle(message: Record<string, unknown>): void {
    if ('QMP' in message) {
      this.greeted?.();
    } else if (!('event' in message)) {
      const pending = this.pending.get(String(message.id));
      if (!pending) return;
      const error = message.error as { class: string; desc: string } | undefined;
      if (error) pending.reject(new QmpError(pending.command, error.class, error.desc));
      else pending.resolve(message.return);
    }
  }

  private fail(err: Error): void {
    if (this.closed) return;
    this.closed = err;
    for (const p of this.pending.values()) p.reject(err);
  }
}

/** Connects, runs `use`, and always disconnects, so the next caller gets the monitor. */
export async function withQmp<T>(path: string, use: (qmp: Qmp) => Promise<T>): Promise<T> {
  const qmp = await Qmp.connect(path);
  try {
    return await use(qmp);
  } finally {
    qmp.close();
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ComputeBackendError(`${what} got no answer within ${Math.round(ms / 1000)} s.`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
