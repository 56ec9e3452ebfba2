import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readConsoleLog, trimConsoleLog } from './console-log.ts';

describe('console log', () => {
  let dir: string;
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'sovcloud-console-')); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  it('reads all of it, or its last bytes, and nothing for an instance without one', async () => {
    const path = join(dir, 'console.log');
    await writeFile(path, 'first boot\nsecond boot\n');
    assert.equal(await readConsoleLog(path), 'first boot\nsecond boot\n');
    assert.equal(await readConsoleLog(path, 12), 'second boot\n');
    assert.equal(await readConsoleLog(path, 0), '');
    assert.equal(await readConsoleLog(join(dir, 'missing.log')), '');
  });

  it('keeps only the newest megabyte once the log passes 2 MiB', async () => {
    const path = join(dir, 'long.log');
    await writeFile(path, Buffer.concat([Buffer.alloc(2 * 2 ** 20, 'a'), Buffer.from('newest')]));
    await trimConsoleLog(path);
    assert.equal((await stat(path)).size, 2 ** 20);
    assert.ok((await readFile(path, 'utf8')).endsWith('newest'));
    await trimConsoleLog(path);
    assert.equal((await stat(path)).size, 2 ** 20);
    await trimConsoleLog(join(dir, 'missing.log'));
  });
});
