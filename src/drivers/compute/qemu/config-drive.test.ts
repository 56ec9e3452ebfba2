import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildConfigDrive } from './config-drive.ts';
import { run } from './exec.ts';

const skip = await run('sh', ['-c', 'command -v genisoimage && command -v isoinfo']).then(() => false, () => 'genisoimage (Debian package genisoimage) is not installed');

describe('config drive', { skip }, () => {
  let dir: string;
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'sovcloud-cd-')); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  it('is an ISO 9660 labelled config-2 holding the files by their exact names', async () => {
    const iso = join(dir, 'disk.config');
    await buildConfigDrive({
      'openstack/latest/meta_data.json': '{"uuid": "x"}',
      '/openstack/latest/user_data': '#!/bin/sh\necho hi\n',
      'ec2/2009-04-04/meta-data.json': '{}',
    }, iso);
    assert.match(await run('isoinfo', ['-d', '-i', iso]), /^Volume id: config-2$/m);
    const names = (await run('isoinfo', ['-R', '-f', '-i', iso])).split('\n').filter(Boolean).sort();
    assert.ok(names.includes('/openstack/latest/meta_data.json'), names.join(' '));
    assert.ok(names.includes('/openstack/latest/user_data'));
    assert.ok(names.includes('/ec2/2009-04-04/meta-data.json'));
    assert.equal(await run('isoinfo', ['-R', '-i', iso, '-x', '/openstack/latest/user_data']), '#!/bin/sh\necho hi\n');
    // Nothing but the drive is left beside it.
    assert.deepEqual(await readdir(dir), ['disk.config']);
  });

  it('refuses paths that leave the drive', async () => {
    await assert.rejects(buildConfigDrive({ '../escape': 'x' }, join(dir, 'bad.iso')), /leaves the drive/);
    await assert.rejects(buildConfigDrive({ 'a/../../escape': 'x' }, join(dir, 'bad.iso')), /leaves the drive/);
  });
});
