import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configDriveFiles, metadataAnswer } from './metadata.ts';

const row = {
  id: '6f1c3f0e-1111-4222-8333-944455556666', name: 'Web 1', hostname: 'web-1', project_id: 'p1', availability_zone: 'nova', launch_index: 0,
  key_name: 'k1', key_data: 'ssh-ed25519 AAAAC3Nza k1', user_data: Buffer.from('#!/bin/sh\necho hi\n').toString('base64'),
  metadata: '{"role":"web"}', reservation_id: 'r-1', image_id: 'img-1',
};
const networkData = { links: [], networks: [], services: [] };

test('OpenStack metadata: versions, meta_data.json with keys and hostname, user data decoded', () => {
  assert.match(String(metadataAnswer(row, '/openstack', '10.0.0.5', networkData)), /^2012-08-10\n.*\nlatest$/s);
  const meta = JSON.parse(String(metadataAnswer(row, '/openstack/latest/meta_data.json', '10.0.0.5', networkData)));
  assert.deepEqual(meta.public_keys, { k1: 'ssh-ed25519 AAAAC3Nza k1' });
  assert.equal(meta.hostname, 'web-1');
  assert.equal(meta.uuid, row.id);
  assert.deepEqual(meta.meta, { role: 'web' });
  assert.equal(String(metadataAnswer(row, '/openstack/2013-10-17/user_data', '10.0.0.5', networkData)), '#!/bin/sh\necho hi\n');
  assert.equal(metadataAnswer(row, '/openstack/1999-01-01/meta_data.json', '10.0.0.5', networkData), undefined);
});

test('EC2 metadata: the tree, the key as EC2 names it, the caller address, user data', () => {
  const index = String(metadataAnswer(row, '/latest/meta-data/', '10.0.0.5', networkData));
  assert.ok(index.split('\n').includes('public-keys/') && index.split('\n').includes('local-ipv4'), index);
  assert.equal(metadataAnswer(row, '/latest/meta-data/public-keys/', '10.0.0.5', networkData), '0=k1');
  assert.equal(metadataAnswer(row, '/latest/meta-data/public-keys/0/openssh-key', '10.0.0.5', networkData), 'ssh-ed25519 AAAAC3Nza k1');
  assert.equal(metadataAnswer(row, '/latest/meta-data/local-ipv4', '10.0.0.5', networkData), '10.0.0.5');
  assert.equal(metadataAnswer(row, '/latest/meta-data/hostname', '10.0.0.5', networkData), 'web-1');
  assert.equal(String(metadataAnswer(row, '/2009-04-04/user-data', '10.0.0.5', networkData)), '#!/bin/sh\necho hi\n');
  assert.equal(metadataAnswer(row, '/latest/meta-data/nope', '10.0.0.5', networkData), undefined);
});

test('a config drive carries the same documents', () => {
  const files = configDriveFiles(row, networkData);
  assert.equal(JSON.parse(files['openstack/latest/meta_data.json']!).name, 'Web 1');
  assert.equal(files['openstack/latest/user_data'], '#!/bin/sh\necho hi\n');
  assert.ok('openstack/latest/network_data.json' in files);
});
