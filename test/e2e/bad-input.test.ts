import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { http, startCloud, type Cloud } from './harness.ts';

// Malformed input against every API's routes: the answer is always a 4xx in that API's upstream
// error format, never a 5xx. Ids in the paths do not exist; what matters is that nothing breaks.

let cloud: Cloud;
let token: string;
let project: string;

before(async () => {
  cloud = await startCloud();
  const password = parseYaml(await readFile(cloud.cloudsYaml, 'utf8')).clouds['sovcloud-admin'].auth.password;
  const res = await http(`${cloud.url}/identity/v3/auth/tokens`, 'POST', {
    body: { auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password } } }, scope: { project: { name: 'admin', domain: { id: 'default' } } } } },
  });
  assert.equal(res.status, 201, res.text);
  token = res.headers.get('x-subject-token')!;
  project = res.body.token.project.id;
});

after(() => cloud.stop());

const bodies = ['', '{', 'null', '[]', '"x"', '{"a":1}', '{"project":null}', '{"user":"x"}', '{"volume":{"size":"1"}}',
  '{"volume":{"size":1e300}}', '[{"op":"add"}]', '{"os-extend":{"new_size":"x"}}', '{"backup":{"volume_id":null}}',
  '{"quota_set":{"volumes":"x"}}', '{"tags":"x"}', '{"name":"\\u0000"}'];

/** Each API's error body: Keystone `{"error": {code}}`, Cinder `{"<kind>": {code}}`, Glance webob `{code}`. */
const formats: [string, (b: any) => boolean][] = [
  ['/identity/', (b) => typeof b?.error?.code === 'number'],
  ['/volume/', (b) => b && Object.keys(b).length === 1 && typeof Object.values<any>(b)[0]?.code === 'number'],
  ['/image/', (b) => typeof b?.code === 'string' || typeof b?.code === 'number'],
];

function paths(): string[] {
  const v = `/volume/v3/${project}`;
  return [
    '/identity/v3/projects', '/identity/v3/users', '/identity/v3/groups', '/identity/v3/roles', '/identity/v3/domains',
    '/identity/v3/regions', '/identity/v3/endpoints', '/identity/v3/credentials', '/identity/v3/auth/tokens',
    '/identity/v3/projects/nope', '/identity/v3/users/nope/password', '/identity/v3/users/nope/application_credentials',
    '/image/v2/images', '/image/v2/images/nope', '/image/v2/images/nope/members', '/image/v2/images/nope/import', '/image/v2/images/nope/file',
    `${v}/volumes`, `${v}/volumes/nope`, `${v}/volumes/nope/action`, `${v}/snapshots`, `${v}/backups`, `${v}/backups/nope/restore`,
    `${v}/types`, `${v}/attachments`, `${v}/os-quota-sets/${project}`,
  ];
}

test('malformed bodies and wrong content types never cause a 5xx, and errors keep the upstream format', async () => {
  const failures: string[] = [];
  let count = 0;
  for (const path of paths()) {
    const [, wellFormed] = formats.find(([prefix]) => path.startsWith(prefix))!;
    for (const method of ['POST', 'PUT', 'PATCH']) {
      for (const [i, body] of bodies.entries()) {
        // every body as JSON, and a few with content types the route may not take
        const types = i < 3 ? ['application/json', 'application/openstack-images-v2.1-json-patch', 'text/plain'] : ['application/json'];
        for (const type of types) {
          count++;
          const headers = { 'X-Auth-Token': token, 'Content-Type': type, 'OpenStack-API-Version': 'volume 3.60' };
          const res = await http(`${cloud.url}${path}`, method, { headers, rawBody: body });
          const what = `${method} ${path} [${type}] ${JSON.stringify(body)} -> ${res.status} ${res.text.slice(0, 200)}`;
          if (res.status < 400) continue; // a few bodies are valid for some routes
          if (res.status >= 500 || (res.status !== 405 && res.status !== 415 && !wellFormed(res.body))) failures.push(what);
        }
      }
    }
  }
  assert.ok(count > 1000, `only ${count} requests were sent`);
  assert.deepEqual(failures, []);
});
