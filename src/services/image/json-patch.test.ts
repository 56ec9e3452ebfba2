import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SovError } from '../../platform/errors.ts';
import { applyChange, decodePointer, parsePatch, type PatchDialect } from './json-patch.ts';
import type { ImageDraft } from './model.ts';

const draft = (): ImageDraft => ({
  name: 'a', visibility: 'shared', protected: false, os_hidden: false, min_disk: 0, min_ram: 0,
  disk_format: 'raw', container_format: 'bare', owner: 'p', tags: ['x'], properties: { os_distro: 'debian' },
});

const status = (code: number) => (e: unknown) => e instanceof SovError && e.status === code;

function patched(ops: unknown[], dialect: PatchDialect = 10): ImageDraft {
  const d = draft();
  for (const c of parsePatch(ops, dialect)) applyChange(d, c, dialect);
  return d;
}

test('add, replace and remove change base attributes, tags and free properties', () => {
  const d = patched([
    { op: 'replace', path: '/name', value: 'b' },
    { op: 'add', path: '/hw_disk_bus', value: 'virtio' },
    { op: 'replace', path: '/os_distro', value: 'ubuntu' },
    { op: 'replace', path: '/tags', value: ['y', 'y', 'z'] },
    { op: 'add', path: '/visibility', value: 'private' },
    { op: 'replace', path: '/min_ram', value: 512 },
  ]);
  assert.equal(d.name, 'b');
  assert.equal(d.visibility, 'private');
  assert.equal(d.min_ram, 512);
  assert.deepEqual(d.tags, ['y', 'z']);
  assert.deepEqual(d.properties, { os_distro: 'ubuntu', hw_disk_bus: 'virtio' });
  assert.deepEqual(patched([{ op: 'remove', path: '/os_distro' }]).properties, {});
});

test('the draft-4 dialect names the operation as a key and refuses to add what exists', () => {
  assert.equal(patched([{ replace: '/name', value: 'c' }], 4).name, 'c');
  assert.throws(() => patched([{ add: '/os_distro', value: 'x' }], 4), status(409));
  assert.throws(() => parsePatch([{ add: '/name', replace: '/name', value: 'x' }], 4), status(400));
});

test('conflicts and forbidden changes answer as Glance does', () => {
  assert.throws(() => patched([{ op: 'replace', path: '/nope', value: 'x' }]), status(409));
  assert.throws(() => patched([{ op: 'remove', path: '/nope' }]), status(409));
  assert.throws(() => patched([{ op: 'remove', path: '/name' }]), status(403));
  assert.throws(() => parsePatch([{ op: 'replace', path: '/status', value: 'active' }], 10), status(403));
  assert.throws(() => parsePatch([{ op: 'add', path: '/os_glance_import_task', value: 'x' }], 10), status(403));
  assert.throws(() => parsePatch([{ op: 'add', path: '/locations/0', value: {} }], 10), status(403));
});

test('malformed documents and values are 400s', () => {
  for (const body of [{}, [1], [{ op: 'move', path: '/name' }], [{ path: '/name' }], [{ op: 'add', path: '/name' }],
    [{ op: 'add', path: 'name', value: 'x' }], [{ op: 'add', path: '/tags/-', value: 'x' }],
    [{ op: 'replace', path: '/min_ram', value: '512' }], [{ op: 'replace', path: '/visibility', value: 'everyone' }],
    [{ op: 'add', path: '/os_distro', value: 7 }], [{ op: 'replace', path: '/disk_format', value: 'floppy' }]]) {
    assert.throws(() => parsePatch(body, 10), status(400), JSON.stringify(body));
  }
});

test('JSON pointers decode escapes and reject what Glance rejects', () => {
  assert.deepEqual(decodePointer('/a~1b~0c'), ['a/b~c']);
  for (const p of ['/a//b', '/a/', '/~2', '/a~']) assert.throws(() => decodePointer(p), status(400), p);
});
