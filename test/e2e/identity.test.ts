import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { http, startCloud, type ApiResponse, type AuthEnv, type Cloud } from './harness.ts';

// Cases run in file order and share the objects they create, so one CLI call (~1-2 s of Python
// start-up each) serves several assertions. A case that needs an object from an earlier one says so.

interface Row {
  [column: string]: unknown;
}

let cloud: Cloud;
let authUrl: string;
let adminPassword: string;

const state: {
  adminUserId?: string;
  demoUserId?: string;
  demoProjectId?: string;
  roleIds?: Map<string, string>;
  keep?: { id: string; name: string };
  tagged?: { id: string; name: string };
  alice?: { id: string; name: string; password: string };
  manager?: { auth: AuthEnv; domainId: string };
} = {};

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`needs ${what} from an earlier case, which failed`);
  return value;
}

function passwordAuth(
  username: string,
  password: string,
  scope: { project: string; projectDomain?: string } | { domain: string },
  userDomain = 'Default',
): AuthEnv {
  const env: AuthEnv = {
    OS_AUTH_TYPE: 'password',
    OS_AUTH_URL: authUrl,
    OS_IDENTITY_API_VERSION: '3',
    OS_USERNAME: username,
    OS_PASSWORD: password,
    OS_USER_DOMAIN_NAME: userDomain,
  };
  if ('project' in scope) {
    env.OS_PROJECT_NAME = scope.project;
    env.OS_PROJECT_DOMAIN_NAME = scope.projectDomain ?? 'Default';
  } else {
    env.OS_DOMAIN_NAME = scope.domain;
  }
  return env;
}

function appCredAuth(id: string, secret: string): AuthEnv {
  return {
    OS_AUTH_TYPE: 'v3applicationcredential',
    OS_AUTH_URL: authUrl,
    OS_IDENTITY_API_VERSION: '3',
    OS_APPLICATION_CREDENTIAL_ID: id,
    OS_APPLICATION_CREDENTIAL_SECRET: secret,
  };
}

/** Plain HTTP against the identity API. */
function api(
  method: string,
  path: string,
  options: { token?: string; subject?: string; body?: unknown; rawBody?: string } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers['X-Auth-Token'] = options.token;
  if (options.subject !== undefined) headers['X-Subject-Token'] = options.subject;
  return http(`${authUrl}${path}`, method, { headers, body: options.body, rawBody: options.rawBody });
}

function passwordAuthBody(user: Record<string, unknown>, password: string, scope?: Record<string, unknown>): unknown {
  return {
    auth: {
      identity: { methods: ['password'], password: { user: { ...user, password } } },
      ...(scope ? { scope } : {}),
    },
  };
}

async function issueToken(user: Record<string, unknown>, password: string, scope?: Record<string, unknown>): Promise<string> {
  const res = await api('POST', '/auth/tokens', { body: passwordAuthBody(user, password, scope) });
  assert.equal(res.status, 201, `POST /auth/tokens for ${JSON.stringify(user)}: ${res.text}`);
  const token = res.headers.get('x-subject-token');
  assert.ok(token, 'POST /auth/tokens answered without an X-Subject-Token header');
  return token;
}

function adminToken(): Promise<string> {
  return issueToken({ name: 'admin', domain: { id: 'default' } }, adminPassword, {
    project: { name: 'admin', domain: { id: 'default' } },
  });
}

function assertKeystoneError(res: ApiResponse, code: number, title?: string): void {
  assert.equal(res.status, code, `expected HTTP ${code}, got ${res.status}: ${res.text}`);
  assert.ok(res.body && typeof res.body.error === 'object', `expected a Keystone error body, got: ${res.text}`);
  assert.equal(res.body.error.code, code, `error.code in ${res.text}`);
  if (title !== undefined) assert.equal(res.body.error.title, title, `error.title in ${res.text}`);
  assert.equal(typeof res.body.error.message, 'string', `error.message in ${res.text}`);
  assert.ok(res.body.error.message.length > 0, `empty error.message in ${res.text}`);
}

function assertHttpStatus(stderr: string, code: number): void {
  assert.match(stderr, new RegExp(`HTTP ${code}`), `expected an HTTP ${code} error from the CLI, got: ${stderr}`);
}

function names(rows: Row[]): string[] {
  return rows.map((r) => String(r.Name));
}

function ids(rows: Row[]): string[] {
  return rows.map((r) => String(r.ID));
}

before(async () => {
  cloud = await startCloud();
  authUrl = `${cloud.url}/identity/v3`;
  const clouds = parseYaml(await readFile(cloud.cloudsYaml, 'utf8'));
  adminPassword = String(clouds?.clouds?.['sovcloud-admin']?.auth?.password ?? '');
});

after(async () => {
  if (!cloud) return;
  try {
    await cloud.stop();
  } finally {
    await rm(cloud.stateDir, { recursive: true, force: true });
  }
});

test('state dir holds clouds.yaml and openrc files, mode 0600', async () => {
  for (const file of ['clouds.yaml', 'admin-openrc.sh', 'demo-openrc.sh']) {
    const info = await stat(join(cloud.stateDir, file));
    assert.equal((info.mode & 0o777).toString(8), '600', `${file} mode`);
  }
  for (const file of ['admin-openrc.sh', 'demo-openrc.sh']) {
    const text = await readFile(join(cloud.stateDir, file), 'utf8');
    assert.match(text, /OS_AUTH_URL/, `${file} sets OS_AUTH_URL`);
    assert.match(text, /OS_PASSWORD/, `${file} sets OS_PASSWORD`);
    assert.ok(text.includes(authUrl), `${file} points at ${authUrl}:\n${text}`);
  }
  const clouds = parseYaml(await readFile(cloud.cloudsYaml, 'utf8'));
  for (const name of ['sovcloud-admin', 'sovcloud-demo']) {
    assert.equal(clouds?.clouds?.[name]?.auth?.auth_url, authUrl, `clouds.${name}.auth.auth_url`);
  }
  assert.ok(adminPassword.length > 0, 'clouds.yaml has a password for sovcloud-admin');
});

test('token issue as admin and demo', async () => {
  const admin = await cloud.osJson('sovcloud-admin', ['token', 'issue']);
  const demo = await cloud.osJson('sovcloud-demo', ['token', 'issue']);
  for (const [who, token] of [['admin', admin], ['demo', demo]] as const) {
    for (const field of ['id', 'project_id', 'user_id', 'expires']) {
      assert.equal(typeof token[field], 'string', `${who} token ${field}: ${JSON.stringify(token)}`);
      assert.ok(token[field].length > 0, `${who} token ${field} is empty`);
    }
    assert.ok(Date.parse(token.expires) > Date.now(), `${who} token expires in the future: ${token.expires}`);
  }
  assert.notEqual(admin.user_id, demo.user_id);
  assert.notEqual(admin.project_id, demo.project_id);
  state.adminUserId = admin.user_id;
  state.demoUserId = demo.user_id;
  state.demoProjectId = demo.project_id;
});

test('catalog list has keystone as the identity service', async () => {
  const catalog: Row[] = await cloud.osJson('sovcloud-admin', ['catalog', 'list']);
  const identity = catalog.find((s) => s.Type === 'identity');
  assert.ok(identity, `no identity service in ${JSON.stringify(catalog)}`);
  assert.equal(identity.Name, 'keystone');
  const endpoints = identity.Endpoints as { interface: string; url: string }[];
  assert.ok(Array.isArray(endpoints), `Endpoints: ${JSON.stringify(identity.Endpoints)}`);
  assert.ok(
    endpoints.some((e) => e.interface === 'public' && e.url.replace(/\/$/, '') === `${cloud.url}/identity`),
    `no public endpoint ${cloud.url}/identity in ${JSON.stringify(endpoints)}`,
  );
});

test('project create, show, set, list, delete and tags', async () => {
  const admin = 'sovcloud-admin';
  const created = await cloud.osJson(admin, ['project', 'create', '--domain', 'default', '--description', 'first', 'e2e-crud']);
  assert.equal(created.name, 'e2e-crud');
  assert.equal(created.description, 'first');
  assert.equal(created.domain_id, 'default');
  assert.equal(created.enabled, true);

  const shown = await cloud.osJson(admin, ['project', 'show', created.id]);
  assert.equal(shown.id, created.id);
  assert.equal(shown.name, 'e2e-crud');

  let r = await cloud.os(admin, ['project', 'set', '--description', 'second', '--disable', created.id]);
  assert.equal(r.code, 0, r.stderr);
  const updated = await cloud.osJson(admin, ['project', 'show', created.id]);
  assert.equal(updated.description, 'second');
  assert.equal(updated.enabled, false);

  let list: Row[] = await cloud.osJson(admin, ['project', 'list']);
  assert.ok(ids(list).includes(created.id), `project list lacks e2e-crud: ${JSON.stringify(list)}`);
  assert.ok(names(list).includes('admin') && names(list).includes('demo'), `project list: ${JSON.stringify(list)}`);

  r = await cloud.os(admin, ['project', 'delete', created.id]);
  assert.equal(r.code, 0, r.stderr);
  list = await cloud.osJson(admin, ['project', 'list']);
  assert.ok(!ids(list).includes(created.id), `deleted project still listed: ${JSON.stringify(list)}`);

  const tagged = await cloud.osJson(admin, ['project', 'create', '--domain', 'default', '--tag', 'e2e-blue', '--tag', 'e2e-green', 'e2e-tagged']);
  assert.deepEqual([...(tagged.tags as string[])].sort(), ['e2e-blue', 'e2e-green']);
  const keep = await cloud.osJson(admin, ['project', 'create', '--domain', 'default', '--tag', 'e2e-blue', 'e2e-keep']);
  assert.deepEqual(keep.tags, ['e2e-blue']);
  state.tagged = { id: tagged.id, name: tagged.name };
  state.keep = { id: keep.id, name: keep.name };

  const both: Row[] = await cloud.osJson(admin, ['project', 'list', '--tags', 'e2e-blue,e2e-green']);
  assert.deepEqual(ids(both), [tagged.id], `--tags e2e-blue,e2e-green must match only e2e-tagged: ${JSON.stringify(both)}`);
});

test('user create, show, set, list, delete', async () => {
  const admin = 'sovcloud-admin';
  const keep = need(state.keep, 'project e2e-keep');
  const password = 'alice-pw-1';
  const alice = await cloud.osJson(admin, [
    'user', 'create', '--domain', 'default', '--password', password, '--project', keep.name,
    '--email', 'alice@example.org', 'e2e-alice',
  ]);
  assert.equal(alice.name, 'e2e-alice');
  assert.equal(alice.email, 'alice@example.org');
  assert.equal(alice.default_project_id, keep.id);
  assert.equal(alice.domain_id, 'default');
  assert.equal(alice.enabled, true);
  assert.ok(!('password' in alice), `user create echoed the password: ${JSON.stringify(alice)}`);
  state.alice = { id: alice.id, name: alice.name, password };

  const shown = await cloud.osJson(admin, ['user', 'show', 'e2e-alice']);
  assert.equal(shown.id, alice.id);
  assert.equal(shown.email, 'alice@example.org');

  const r = await cloud.os(admin, ['user', 'set', '--email', 'alice@example.net', alice.id]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await cloud.osJson(admin, ['user', 'show', alice.id])).email, 'alice@example.net');

  const doomed = await cloud.osJson(admin, ['user', 'create', '--domain', 'default', '--password', 'doomed-pw-1', 'e2e-doomed']);
  let list: Row[] = await cloud.osJson(admin, ['user', 'list', '--domain', 'default']);
  for (const name of ['admin', 'demo', 'e2e-alice', 'e2e-doomed']) {
    assert.ok(names(list).includes(name), `user list --domain default lacks ${name}: ${JSON.stringify(list)}`);
  }
  const del = await cloud.os(admin, ['user', 'delete', doomed.id]);
  assert.equal(del.code, 0, del.stderr);
  list = await cloud.osJson(admin, ['user', 'list', '--domain', 'default']);
  assert.ok(!ids(list).includes(doomed.id), `deleted user still listed: ${JSON.stringify(list)}`);
});

test('group create, add user, contains user, remove user, delete', async () => {
  const admin = 'sovcloud-admin';
  need(state.alice, 'user e2e-alice');
  const group = await cloud.osJson(admin, ['group', 'create', '--domain', 'default', '--description', 'e2e', 'e2e-group']);
  assert.equal(group.name, 'e2e-group');
  assert.equal(group.domain_id, 'default');

  let r = await cloud.os(admin, ['group', 'add', 'user', 'e2e-group', 'e2e-alice']);
  assert.equal(r.code, 0, r.stderr);
  r = await cloud.os(admin, ['group', 'contains', 'user', 'e2e-group', 'e2e-alice']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /e2e-alice in group e2e-group/, `stdout: ${r.stdout} stderr: ${r.stderr}`);

  r = await cloud.os(admin, ['group', 'remove', 'user', 'e2e-group', 'e2e-alice']);
  assert.equal(r.code, 0, r.stderr);
  r = await cloud.os(admin, ['group', 'contains', 'user', 'e2e-group', 'e2e-alice']);
  assert.match(r.stderr, /e2e-alice not in group e2e-group/, `stdout: ${r.stdout} stderr: ${r.stderr}`);

  r = await cloud.os(admin, ['group', 'delete', group.id]);
  assert.equal(r.code, 0, r.stderr);
  const list: Row[] = await cloud.osJson(admin, ['group', 'list']);
  assert.ok(!ids(list).includes(group.id), `deleted group still listed: ${JSON.stringify(list)}`);
});

test('role create, list, delete; implied roles', async () => {
  const admin = 'sovcloud-admin';
  const custom = await cloud.osJson(admin, ['role', 'create', 'e2e-custom']);
  assert.equal(custom.name, 'e2e-custom');
  const prior = await cloud.osJson(admin, ['role', 'create', 'e2e-prior']);
  const implied = await cloud.osJson(admin, ['role', 'create', 'e2e-implied']);

  let list: Row[] = await cloud.osJson(admin, ['role', 'list']);
  for (const name of ['admin', 'member', 'reader', 'e2e-custom']) {
    assert.ok(names(list).includes(name), `role list lacks ${name}: ${JSON.stringify(list)}`);
  }
  const r = await cloud.os(admin, ['role', 'delete', 'e2e-custom']);
  assert.equal(r.code, 0, r.stderr);
  list = await cloud.osJson(admin, ['role', 'list']);
  assert.ok(!ids(list).includes(custom.id), `deleted role still listed: ${JSON.stringify(list)}`);
  state.roleIds = new Map(list.map((row) => [String(row.Name), String(row.ID)]));

  const rule = await cloud.osJson(admin, ['implied', 'role', 'create', '--implied-role', 'e2e-implied', 'e2e-prior']);
  assert.deepEqual(rule, { implies: implied.id, prior_role: prior.id });

  const rules: Row[] = await cloud.osJson(admin, ['implied', 'role', 'list']);
  const has = (p: string, i: string) => rules.some((x) => x['Prior Role Name'] === p && x['Implied Role Name'] === i);
  assert.ok(has('e2e-prior', 'e2e-implied'), `implied role list: ${JSON.stringify(rules)}`);
  assert.ok(has('member', 'reader'), `member should imply reader by default: ${JSON.stringify(rules)}`);
});

test('role add and effective role assignments, direct and through a group', async () => {
  const admin = 'sovcloud-admin';
  const keep = need(state.keep, 'project e2e-keep');
  const tagged = need(state.tagged, 'project e2e-tagged');
  need(state.alice, 'user e2e-alice');

  let r = await cloud.os(admin, ['role', 'add', '--user', 'e2e-alice', '--project', 'e2e-keep', 'member']);
  assert.equal(r.code, 0, r.stderr);
  const effective = () => cloud.osJson<Row[]>(admin, ['role', 'assignment', 'list', '--user', 'e2e-alice', '--names', '--effective']);
  const on = (rows: Row[], role: string, project: string) =>
    rows.some((x) => x.Role === role && x.Project === `${project}@Default` && x.User === 'e2e-alice@Default');

  let rows = await effective();
  assert.ok(on(rows, 'member', keep.name), `member on e2e-keep missing: ${JSON.stringify(rows)}`);
  assert.ok(on(rows, 'reader', keep.name), `implied reader on e2e-keep missing: ${JSON.stringify(rows)}`);

  await cloud.osJson(admin, ['group', 'create', '--domain', 'default', 'e2e-team']);
  r = await cloud.os(admin, ['group', 'add', 'user', 'e2e-team', 'e2e-alice']);
  assert.equal(r.code, 0, r.stderr);
  r = await cloud.os(admin, ['role', 'add', '--group', 'e2e-team', '--project', tagged.name, 'member']);
  assert.equal(r.code, 0, r.stderr);
  rows = await effective();
  assert.ok(on(rows, 'member', tagged.name), `group-granted member on e2e-tagged missing for the user: ${JSON.stringify(rows)}`);
  assert.ok(on(rows, 'reader', tagged.name), `implied reader via group on e2e-tagged missing: ${JSON.stringify(rows)}`);
  assert.ok(rows.every((x) => x.Group === ''), `--effective must expand groups into user rows: ${JSON.stringify(rows)}`);

  r = await cloud.os(admin, ['role', 'remove', '--group', 'e2e-team', '--project', tagged.name, 'member']);
  assert.equal(r.code, 0, r.stderr);
  rows = await effective();
  assert.ok(!rows.some((x) => x.Project === `${tagged.name}@Default`), `removed group grant still effective: ${JSON.stringify(rows)}`);
  assert.ok(on(rows, 'member', keep.name), `direct grant lost after removing the group one: ${JSON.stringify(rows)}`);
});

test('a new user logs in with its password, scoped to its project', async () => {
  const alice = need(state.alice, 'user e2e-alice');
  const keep = need(state.keep, 'project e2e-keep');
  const token = await cloud.osJson(passwordAuth(alice.name, alice.password, { project: keep.name }), ['token', 'issue']);
  assert.equal(token.project_id, keep.id);
  assert.equal(token.user_id, alice.id);
});

test('application credentials: create, authenticate, restrict roles, expire, delete', async () => {
  const demo = 'sovcloud-demo';
  const demoProjectId = need(state.demoProjectId, 'demo token');
  const demoUserId = need(state.demoUserId, 'demo token');

  const ac = await cloud.osJson(demo, ['application', 'credential', 'create', 'e2e-ac']);
  assert.equal(typeof ac.secret, 'string');
  assert.ok(ac.secret.length >= 16, `secret too short: ${ac.secret}`);
  assert.equal(ac.project_id, demoProjectId);
  const token = await cloud.osJson(appCredAuth(ac.id, ac.secret), ['token', 'issue']);
  assert.equal(token.project_id, demoProjectId);
  assert.equal(token.user_id, demoUserId);

  const reader = await cloud.osJson(demo, ['application', 'credential', 'create', '--role', 'reader', 'e2e-ac-reader']);
  assert.equal(reader.roles, 'reader');
  const readerToken = await cloud.osJson(appCredAuth(reader.id, reader.secret), ['token', 'issue']);
  const validated = await api('GET', '/auth/tokens', { token: await adminToken(), subject: readerToken.id });
  assert.equal(validated.status, 200, validated.text);
  const roleNames = (validated.body.token.roles as { name: string }[]).map((x) => x.name);
  assert.deepEqual(roleNames, ['reader'], `application credential token roles: ${JSON.stringify(validated.body.token.roles)}`);
  assert.equal(validated.body.token.project.id, demoProjectId);

  const expired = await cloud.osJson(demo, ['application', 'credential', 'create', '--expiration', '2001-01-01T00:00:00', 'e2e-ac-expired']);
  assertHttpStatus(await cloud.osFail(appCredAuth(expired.id, expired.secret), ['token', 'issue']), 401);

  const r = await cloud.os(demo, ['application', 'credential', 'delete', 'e2e-ac']);
  assert.equal(r.code, 0, r.stderr);
  assertHttpStatus(await cloud.osFail(appCredAuth(ac.id, ac.secret), ['token', 'issue']), 401);
});

test('ec2 credentials create and list; admin sees them as credentials of type ec2', async () => {
  const demoUserId = need(state.demoUserId, 'demo token');
  const created = await cloud.osJson('sovcloud-demo', ['ec2', 'credentials', 'create']);
  assert.equal(typeof created.access, 'string');
  assert.equal(typeof created.secret, 'string');
  assert.ok(created.access.length > 0 && created.secret.length > 0, JSON.stringify(created));
  assert.equal(created.project_id, need(state.demoProjectId, 'demo token'));
  assert.equal(created.user_id, demoUserId);

  const list: Row[] = await cloud.osJson('sovcloud-demo', ['ec2', 'credentials', 'list']);
  assert.ok(list.some((x) => x.Access === created.access && x.Secret === created.secret), `ec2 credentials list: ${JSON.stringify(list)}`);

  const credentials: Row[] = await cloud.osJson('sovcloud-admin', ['credential', 'list']);
  assert.ok(
    credentials.some((x) => x.Type === 'ec2' && x['User ID'] === demoUserId),
    `credential list has no ec2 credential of demo: ${JSON.stringify(credentials)}`,
  );
});

test('user password set: the old password stops working, the new one works', async () => {
  const admin = 'sovcloud-admin';
  const keep = need(state.keep, 'project e2e-keep');
  await cloud.osJson(admin, ['user', 'create', '--domain', 'default', '--password', 'pw-old-1', 'e2e-pw']);
  const r = await cloud.os(admin, ['role', 'add', '--user', 'e2e-pw', '--project', keep.name, 'member']);
  assert.equal(r.code, 0, r.stderr);

  const old = passwordAuth('e2e-pw', 'pw-old-1', { project: keep.name });
  const set = await cloud.os(old, ['user', 'password', 'set', '--password', 'pw-new-2', '--original-password', 'pw-old-1']);
  assert.equal(set.code, 0, set.stderr);
  assertHttpStatus(await cloud.osFail(old, ['token', 'issue']), 401);
  const token = await cloud.osJson(passwordAuth('e2e-pw', 'pw-new-2', { project: keep.name }), ['token', 'issue']);
  assert.equal(token.project_id, keep.id);
});

test('token revoke invalidates the token', async () => {
  const demoUserId = need(state.demoUserId, 'demo token');
  const token = await cloud.osJson('sovcloud-demo', ['token', 'issue']);
  const admin = await adminToken();

  let res = await api('GET', '/auth/tokens', { token: admin, subject: token.id });
  assert.equal(res.status, 200, `validating a fresh token: ${res.text}`);
  assert.equal(res.body.token.user.id, demoUserId);
  res = await api('GET', `/users/${demoUserId}`, { token: token.id });
  assert.equal(res.status, 200, `demo reading itself with a fresh token: ${res.text}`);

  const r = await cloud.os('sovcloud-admin', ['token', 'revoke', token.id]);
  assert.equal(r.code, 0, r.stderr);

  res = await api('GET', '/auth/tokens', { token: admin, subject: token.id });
  assertKeystoneError(res, 404);
  res = await api('GET', `/users/${demoUserId}`, { token: token.id });
  assertKeystoneError(res, 401);
});

test('policy: member cannot list users; reader cannot create projects, users or grants', async () => {
  const admin = 'sovcloud-admin';
  const keep = need(state.keep, 'project e2e-keep');
  const memberRoleId = need(need(state.roleIds, 'role list').get('member'), 'role member');
  const demoUserId = need(state.demoUserId, 'demo token');

  const denied = await cloud.osFail('sovcloud-demo', ['user', 'list']);
  assertHttpStatus(denied, 403);
  assert.match(denied, /not authorized/i);

  const user = await cloud.osJson(admin, ['user', 'create', '--domain', 'default', '--password', 'reader-pw-1', 'e2e-reader']);
  let r = await cloud.os(admin, ['role', 'add', '--user', user.id, '--project', keep.id, 'reader']);
  assert.equal(r.code, 0, r.stderr);
  const reader = passwordAuth('e2e-reader', 'reader-pw-1', { project: keep.name });

  assertHttpStatus(await cloud.osFail(reader, ['project', 'create', 'e2e-by-reader']), 403);
  assertHttpStatus(await cloud.osFail(reader, ['user', 'create', '--password', 'x-pw-1', 'e2e-by-reader']), 403);
  assertHttpStatus(await cloud.osFail(reader, ['role', 'add', '--user', demoUserId, '--project', keep.id, memberRoleId]), 403);
  // The CLI stops at its role lookup above; the grant itself must be refused too.
  const readerToken = await cloud.osJson(reader, ['token', 'issue']);
  const grant = await api('PUT', `/projects/${keep.id}/users/${demoUserId}/roles/${memberRoleId}`, { token: readerToken.id });
  assertKeystoneError(grant, 403);

  const list: Row[] = await cloud.osJson(admin, ['project', 'list']);
  assert.ok(!names(list).includes('e2e-by-reader'), `a reader created a project: ${JSON.stringify(list)}`);

  r = await cloud.os(admin, ['role', 'remove', '--user', user.id, '--project', keep.id, 'reader']);
  assert.equal(r.code, 0, r.stderr);
  assertHttpStatus(await cloud.osFail(reader, ['token', 'issue']), 401);
});

test('domain manager (scs-0302) manages its own domain and nothing else', async () => {
  const admin = 'sovcloud-admin';
  const roleIds = need(state.roleIds, 'role list');
  const memberRoleId = need(roleIds.get('member'), 'role member');

  const d1 = await cloud.osJson(admin, ['domain', 'create', 'd1']);
  const d2 = await cloud.osJson(admin, ['domain', 'create', 'd2']);
  assert.equal(d1.name, 'd1');
  await cloud.osJson(admin, ['user', 'create', '--domain', 'd1', '--password', 'mgr1-pw-1', 'mgr1']);
  assert.ok(roleIds.has('manager'), `no bootstrapped manager role in ${JSON.stringify([...roleIds.keys()])}`);
  let r = await cloud.os(admin, ['role', 'add', '--user', 'mgr1', '--user-domain', 'd1', '--domain', 'd1', 'manager']);
  assert.equal(r.code, 0, r.stderr);
  const d2Project = await cloud.osJson(admin, ['project', 'create', '--domain', 'd2', 'd2-proj']);
  const d2User = await cloud.osJson(admin, ['user', 'create', '--domain', 'd2', '--password', 'd2-pw-1', 'd2-user']);

  const mgr = passwordAuth('mgr1', 'mgr1-pw-1', { domain: 'd1' }, 'd1');
  const mgrToken = await cloud.osJson(mgr, ['token', 'issue']);
  assert.equal(mgrToken.domain_id, d1.id, `mgr1 token is not scoped to d1: ${JSON.stringify(mgrToken)}`);
  state.manager = { auth: mgr, domainId: d1.id };

  const project = await cloud.osJson(mgr, ['project', 'create', '--domain', 'd1', 'd1-proj']);
  assert.equal(project.domain_id, d1.id);
  const user = await cloud.osJson(mgr, ['user', 'create', '--domain', 'd1', '--password', 'd1-pw-1', 'd1-user']);
  assert.equal(user.domain_id, d1.id);
  const group = await cloud.osJson(mgr, ['group', 'create', '--domain', 'd1', 'd1-group']);
  assert.equal(group.domain_id, d1.id);
  r = await cloud.os(mgr, ['group', 'add', 'user', group.id, user.id]);
  assert.equal(r.code, 0, r.stderr);
  r = await cloud.os(mgr, ['role', 'add', '--user', user.id, '--project', project.id, 'member']);
  assert.equal(r.code, 0, r.stderr);
  const assignments: Row[] = await cloud.osJson(admin, ['role', 'assignment', 'list', '--user', user.id, '--project', project.id]);
  assert.ok(assignments.some((x) => x.Role === memberRoleId), `grant by mgr1 not recorded: ${JSON.stringify(assignments)}`);
  const d1Users: Row[] = await cloud.osJson(mgr, ['user', 'list', '--domain', 'd1']);
  assert.deepEqual(names(d1Users).sort(), ['d1-user', 'mgr1'], `user list --domain d1 as mgr1: ${JSON.stringify(d1Users)}`);

  assertHttpStatus(await cloud.osFail(mgr, ['role', 'add', '--user', user.id, '--project', project.id, 'admin']), 403);
  assertHttpStatus(await cloud.osFail(mgr, ['role', 'create', 'e2e-by-mgr']), 403);

  // For d2 the CLI cannot reach the API: mgr1 may only see its own domain, so name lookups fail
  // client-side. The CLI must still fail; the API itself must answer 403.
  const foreign = /HTTP 403|No domain with a name or ID of 'd2' exists/;
  assert.match(await cloud.osFail(mgr, ['user', 'create', '--domain', 'd2', '--password', 'x-pw-1', 'e2e-by-mgr']), foreign);
  assert.match(await cloud.osFail(mgr, ['project', 'create', '--domain', 'd2', 'e2e-by-mgr']), foreign);
  assert.match(await cloud.osFail(mgr, ['user', 'list', '--domain', 'd2']), foreign);
  const m = mgrToken.id as string;
  assertKeystoneError(await api('POST', '/users', { token: m, body: { user: { name: 'e2e-by-mgr', domain_id: d2.id, password: 'x-pw-1' } } }), 403);
  assertKeystoneError(await api('POST', '/projects', { token: m, body: { project: { name: 'e2e-by-mgr', domain_id: d2.id } } }), 403);
  assertKeystoneError(await api('GET', `/users?domain_id=${d2.id}`, { token: m }), 403);
  assertKeystoneError(await api('PUT', `/projects/${d2Project.id}/users/${d2User.id}/roles/${memberRoleId}`, { token: m }), 403);
  assertKeystoneError(await api('PUT', `/projects/${d2Project.id}/users/${user.id}/roles/${memberRoleId}`, { token: m }), 403);

  const adminT = await adminToken();
  for (const kind of ['users', 'projects']) {
    const res = await api('GET', `/${kind}?domain_id=${d2.id}&name=e2e-by-mgr`, { token: adminT });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body[kind], [], `mgr1 created ${kind} in d2: ${res.text}`);
  }
  const d2Grants = await api('GET', `/role_assignments?scope.project.id=${d2Project.id}`, { token: adminT });
  assert.equal(d2Grants.status, 200, d2Grants.text);
  assert.deepEqual(d2Grants.body.role_assignments, [], `mgr1 granted a role on d2-proj: ${d2Grants.text}`);

  r = await cloud.os(mgr, ['user', 'delete', user.id]);
  assert.equal(r.code, 0, r.stderr);
  const remaining: Row[] = await cloud.osJson(mgr, ['user', 'list', '--domain', 'd1']);
  assert.deepEqual(names(remaining), ['mgr1'], `user list --domain d1 after delete: ${JSON.stringify(remaining)}`);
});

// Keystone's GET /v3/domains keeps only the token's domain for domain-scoped tokens
// (keystone/api/domains.py _list_domains), so a manager learns nothing about other domains.
test('domain manager lists only its own domain', async () => {
  const manager = need(state.manager, 'domain manager mgr1');
  const domains: Row[] = await cloud.osJson(manager.auth, ['domain', 'list']);
  assert.deepEqual(ids(domains), [manager.domainId], `domain list as mgr1: ${JSON.stringify(domains)}`);
});

test('data survives a restart', async () => {
  const admin = 'sovcloud-admin';
  const alice = need(state.alice, 'user e2e-alice');
  const keep = need(state.keep, 'project e2e-keep');
  await cloud.restart();

  const user = await cloud.osJson(admin, ['user', 'show', alice.id]);
  assert.equal(user.name, 'e2e-alice');
  assert.equal(user.email, 'alice@example.net');
  const project = await cloud.osJson(admin, ['project', 'show', keep.id]);
  assert.equal(project.name, 'e2e-keep');
  assert.deepEqual(project.tags, ['e2e-blue']);
  const rows: Row[] = await cloud.osJson(admin, ['role', 'assignment', 'list', '--user', alice.id, '--project', keep.id, '--names']);
  assert.ok(rows.some((x) => x.Role === 'member'), `alice's member grant on e2e-keep is gone: ${JSON.stringify(rows)}`);
  const token = await cloud.osJson(passwordAuth(alice.name, alice.password, { project: keep.name }), ['token', 'issue']);
  assert.equal(token.project_id, keep.id);
  assert.equal(token.user_id, alice.id);
});

test('bad input is answered with Keystone errors, never 5xx', async () => {
  const admin = await adminToken();

  let res = await api('POST', '/projects', { token: admin, rawBody: '{"project": {"name": "e2e-bad",' });
  assertKeystoneError(res, 400, 'Bad Request');

  res = await api('POST', '/users', { token: admin, body: { user: {} } });
  assertKeystoneError(res, 400, 'Bad Request');

  res = await api('GET', '/users/doesnotexist', { token: admin });
  assertKeystoneError(res, 404);

  res = await api('POST', '/projects', { token: admin, body: { project: { name: 'e2e-huge', description: 'x'.repeat(200 * 1024) } } });
  assert.equal(res.status, 413, `200 KiB body: ${res.status} ${res.text.slice(0, 500)}`);

  const scope = { project: { name: 'admin', domain: { id: 'default' } } };
  const wrongPassword = await api('POST', '/auth/tokens', {
    body: passwordAuthBody({ name: 'admin', domain: { id: 'default' } }, 'not-the-password', scope),
  });
  const unknownUser = await api('POST', '/auth/tokens', {
    body: passwordAuthBody({ name: 'e2e-nobody', domain: { id: 'default' } }, 'not-the-password', scope),
  });
  assertKeystoneError(wrongPassword, 401);
  assertKeystoneError(unknownUser, 401);
  assert.equal(wrongPassword.body.error.message, unknownUser.body.error.message, 'a 401 must not tell unknown users from wrong passwords');
  assert.equal(wrongPassword.headers.get('x-subject-token'), null);
});
