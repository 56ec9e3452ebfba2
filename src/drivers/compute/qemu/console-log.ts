import { open, rename, stat, writeFile } from 'node:fs/promises';

/** Past this size the console log is cut to its newest half at power-on (virtlogd rotates at 2 MiB). */
const MAX_BYTES = 2 * 1024 * 1024;

/** The last `maxBytes` of the log (all of it without a limit); empty when there is none. */
export async function readConsoleLog(path: string, maxBytes?: number): Promise<string> {
  return (await tail(path, maxBytes))?.toString('utf8') ?? '';
}

/**
 * QEMU appends to the log across power cycles and never rotates it, so it is bounded here, only
 * while no QEMU writes it.
 */
export async function trimConsoleLog(path: string): Promise<void> {
  const size = await stat(path).then((s) => s.size, () => 0);
  if (size <= MAX_BYTES) return;
  await writeFile(`${path}.tmp`, (await tail(path, MAX_BYTES / 2))!);
  await rename(`${path}.tmp`, path);
}

async function tail(path: string, maxBytes?: number): Promise<Buffer | null> {
  const file = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (file === null) return null;
  try {
    const { size } = await file.stat();
    const length = maxBytes === undefined ? size : Math.min(size, Math.max(0, maxBytes));
    const buffer = Buffer.alloc(length);
    await file.read(buffer, 0, length, size - length);
    return buffer;
  } finally {
    await file.close();
  }
}
