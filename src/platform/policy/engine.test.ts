import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SovError } from '../errors.ts';
import { PolicyEngine, type Credentials, type Target } from './engine.ts';
import { parseRule, PolicySyntaxError } from './parser.ts';

/** A project-scoped token: no domain_id, no token.domain. */
function projectCreds(roles: string[], over: Partial<Credentials> = {}): Credentials {
  return {
    user_id: 'u1',
    user_domain_id: 'd1',
    project_id: 'p1',
    project_domain_id: 'd1',
    roles,
    token: {
      user: { id: 'u1', domain: { id: 'd1' } },
      project: { id: 'p1', domain: { id: 'd1' } },
    },
    ...over,
  };
}

/** A domain-scoped token for `domain`. */
function domainCreds(roles: string[], domain: string): Credentials {
  return {
    user_id: 'u2',
    user_domain_id: domain,
    domain_id: domain,
    roles,
    token: {
      user: { id: 'u2', domain: { id: domain } },
      domain: { id: domain },
    },
  };
}

/** Evaluates a single check string through the engine, so `rule:` references resolve. */
function evaluate(rule: string, creds: Credentials, target: Target = {}, extra: Record<string, string> = {}): boolean {
  const engine = new PolicyEngine();
  engine.registerDefaults({ ...extra, t: rule });
  return engine.check('t', creds, target);
}

const member = projectCreds(['member']);
const admin = projectCreds(['admin', 'member']);

test('and binds tighter than or, not binds tighter than and, parentheses regroup', () => {
  // role:admin or (role:reader and role:nope) → true for admin
  assert.equal(evaluate('role:admin or role:reader and role:nope', admin), true);
  // (role:admin or role:reader) and role:nope → false
  assert.equal(evaluate('(role:admin or role:reader) and role:nope', admin), false);
  // role:nope and role:admin or role:member → (nope and admin) or member → true
  assert.equal(evaluate('role:nope and role:admin or role:member', member), true);
  assert.equal(evaluate('role:nope and (role:admin or role:member)', member), false);
  // not applies to the next unary only: (not admin) and member
  assert.equal(evaluate('not role:admin and role:member', member), true);
  assert.equal(evaluate('not role:admin and role:member', admin), false);
  assert.equal(evaluate('not (role:admin and role:nope)', admin), true);
  assert.equal(evaluate('not not role:member', member), true);
  // operators are case-insensitive and nested parentheses peel off the words' ends
  assert.equal(evaluate('((role:nope OR role:member)) AND NOT role:admin', member), true);
  assert.equal(evaluate('( role:nope or ( role:member ) )', member), true);
});

test('@ always passes and ! never does', () => {
  assert.equal(evaluate('@', member), true);
  assert.equal(evaluate('!', admin), false);
  assert.equal(evaluate('! or @', member), true);
  assert.equal(evaluate('@ and !', member), false);
  assert.equal(evaluate('not !', member), true);
  // an empty rule allows everything, as in oslo.policy
  assert.equal(evaluate('', member), true);
});

test('role: compares role names case-insensitively', () => {
  assert.equal(evaluate('role:Admin', projectCreds(['admin'])), true);
  assert.equal(evaluate('role:admin', projectCreds(['ADMIN'])), true);
  assert.equal(evaluate('role:admin', projectCreds(['member'])), false);
  assert.equal(evaluate('role:admin', projectCreds([])), false);
  // role names can be interpolated from the target
  assert.equal(evaluate('role:%(target.role.name)s', member, { target: { role: { name: 'Member' } } }), true);
  assert.equal(evaluate('role:%(target.role.name)s', member, {}), false);
});

test('rule: references resolve, unknown rules are false, and self-reference is false instead of recursing', () => {
  const engine = new PolicyEngine();
  engine.registerDefaults({
    admin_required: 'role:admin',
    admin_or_member: 'rule:admin_required or role:member',
    chained: 'rule:admin_or_member',
    unknown: 'rule:does_not_exist',
    self: 'rule:self',
    self_or_member: 'rule:self or role:member',
    not_self: 'not rule:self',
    ping: 'rule:pong',
    pong: 'rule:ping',
    not_ping: 'not rule:ping',
    uses_not_self: 'role:member and rule:not_self',
    diamond: 'rule:admin_or_member and (rule:admin_or_member or rule:chained)',
  });
  assert.equal(engine.check('admin_required', admin, {}), true);
  assert.equal(engine.check('admin_required', member, {}), false);
  assert.equal(engine.check('chained', member, {}), true);
  assert.equal(engine.check('unknown', admin, {}), false);
  assert.equal(engine.check('no_such_action', admin, {}), false);
  // referencing the same rule twice on different paths is not a cycle
  assert.equal(engine.check('diamond', member, {}), true);

  assert.equal(engine.check('self', admin, {}), false);
  assert.equal(engine.check('ping', admin, {}), false);
  assert.equal(engine.check('pong', admin, {}), false);
  // A reference cycle must fail closed: negating it must not turn it into a grant.
  assert.equal(engine.check('not_self', admin, {}), false);
  assert.equal(engine.check('not_ping', admin, {}), false);
  assert.equal(engine.check('uses_not_self', member, {}), false);
  assert.equal(engine.check('self_or_member', member, {}), false);
});

test('generic checks read nested targets and flattened dotted keys', () => {
  const rule = 'user_id:%(target.user.id)s';
  assert.equal(evaluate(rule, member, { target: { user: { id: 'u1' } } }), true);
  assert.equal(evaluate(rule, member, { target: { user: { id: 'u9' } } }), false);
  assert.equal(evaluate(rule, member, { 'target.user.id': 'u1' }), true);
  assert.equal(evaluate(rule, member, { 'target.user.id': 'u9' }), false);
  // dotted credential paths walk the token
  assert.equal(evaluate('token.user.domain.id:%(target.user.domain_id)s', member, { 'target.user.domain_id': 'd1' }), true);
  assert.equal(evaluate('token.user.domain.id:%(target.user.domain_id)s', member, { target: { user: { domain_id: 'd2' } } }), false);
  // interpolation prints values the way Python's str() would
  assert.equal(evaluate('project_id:p%(n)s', projectCreds([], { project_id: 'p1' }), { n: 1 }), true);
});

test('a missing target key makes a generic check false', () => {
  assert.equal(evaluate('user_id:%(target.user.id)s', member, {}), false);
  assert.equal(evaluate('user_id:%(target.user.id)s', member, { target: { user: {} } }), false);
  assert.equal(evaluate('user_id:%(target.user.id)s', member, { target: { user: null } }), false);
  assert.equal(evaluate('not user_id:%(target.user.id)s', member, {}), true);
  assert.equal(evaluate("'member':%(target.role.name)s", member, {}), false);
});

test('literal checks compare the constant with the interpolated target value', () => {
  const rule = "'member':%(target.role.name)s";
  assert.equal(evaluate(rule, admin, { target: { role: { name: 'member' } } }), true);
  assert.equal(evaluate(rule, admin, { target: { role: { name: 'reader' } } }), false);
  assert.equal(evaluate('"member":%(target.role.name)s', admin, { 'target.role.name': 'member' }), true);

  const none = 'None:%(target.role.domain_id)s';
  assert.equal(evaluate(none, member, { target: { role: { domain_id: null } } }), true);
  assert.equal(evaluate(none, member, { 'target.role.domain_id': null }), true);
  assert.equal(evaluate(none, member, { target: { role: { domain_id: 'd1' } } }), false);
  assert.equal(evaluate(none, member, { target: { role: {} } }), false);

  assert.equal(evaluate('True:%(target.enabled)s', member, { target: { enabled: true } }), true);
  assert.equal(evaluate('True:%(target.enabled)s', member, { target: { enabled: false } }), false);
});

test('an absent credential never matches, even an absent or null target value', () => {
  const rule = 'domain_id:%(target.domain_id)s';
  assert.equal(member.domain_id, undefined);
  assert.equal(evaluate(rule, member, {}), false);
  assert.equal(evaluate(rule, member, { target: {} }), false);
  assert.equal(evaluate(rule, member, { target: { domain_id: null } }), false);
  assert.equal(evaluate(rule, member, { 'target.domain_id': null }), false);
  assert.equal(evaluate(rule, member, { target: { domain_id: 'None' } }), false);
  assert.equal(evaluate(rule, member, { target: { domain_id: 'undefined' } }), false);
  assert.equal(evaluate('token.domain.id:%(target.domain_id)s', member, { target: { domain_id: null } }), false);
  // a domain-scoped token does match its own domain
  assert.equal(evaluate(rule, domainCreds([], 'd1'), { target: { domain_id: 'd1' } }), true);
  assert.equal(evaluate(rule, domainCreds([], 'd1'), { target: { domain_id: null } }), false);
});

test('malformed rules throw PolicySyntaxError', () => {
  for (const bad of ['role:a and', '(role:a', 'foo', 'role:a)', 'and role:a', 'role:a or', 'not', '()', 'role:a role:b']) {
    assert.throws(() => parseRule(bad), PolicySyntaxError, bad);
  }
  // a broken rule surfaces when it is evaluated through the engine as well
  const engine = new PolicyEngine();
  engine.registerDefaults({ broken: 'role:a and' });
  assert.throws(() => engine.check('broken', member, {}), PolicySyntaxError);
});

test('operator overrides replace defaults registered before and after them', () => {
  const engine = new PolicyEngine();
  engine.registerDefaults({ 'identity:get_user': 'role:admin', 'identity:list_users': 'role:admin' });
  assert.equal(engine.check('identity:get_user', member, {}), false);
  // compile (and cache) it once, so the override must invalidate the cache
  engine.applyOverrides({ 'identity:get_user': 'role:member', 'identity:delete_user': '!' });
  assert.equal(engine.check('identity:get_user', member, {}), true);
  assert.equal(engine.check('identity:list_users', member, {}), false);

  // defaults registered after the override do not win over it
  engine.registerDefaults({ 'identity:delete_user': 'role:admin', 'identity:get_user': 'role:admin' });
  assert.equal(engine.check('identity:delete_user', admin, {}), false);
  assert.equal(engine.check('identity:get_user', member, {}), true);

  // later overrides accumulate with earlier ones
  engine.applyOverrides({ 'identity:list_users': '@' });
  assert.equal(engine.check('identity:list_users', member, {}), true);
  assert.equal(engine.check('identity:get_user', member, {}), true);
  assert.equal(engine.check('identity:delete_user', admin, {}), false);

  // an override applied before any default is registered
  const early = new PolicyEngine();
  early.applyOverrides({ 'compute:start': 'role:member' });
  early.registerDefaults({ 'compute:start': 'role:admin' });
  assert.equal(early.check('compute:start', member, {}), true);
  assert.equal(early.check('compute:start', projectCreds(['admin']), {}), false);
});

test('enforce throws a 403 naming the action, and returns quietly when allowed', () => {
  const engine = new PolicyEngine();
  engine.registerDefaults({ 'identity:delete_user': 'role:admin' });
  assert.doesNotThrow(() => engine.enforce('identity:delete_user', admin, {}));
  assert.throws(
    () => engine.enforce('identity:delete_user', member, {}),
    (e: unknown) => {
      assert.ok(e instanceof SovError);
      assert.equal(e.status, 403);
      assert.match(e.message, /identity:delete_user/);
      return true;
    },
  );
  assert.throws(() => engine.enforce('identity:unknown_action', admin, {}), (e: SovError) => e.status === 403 && e.message.includes('identity:unknown_action'));
});

test('SCS domain manager may create users only in its own domain', () => {
  const engine = new PolicyEngine();
  engine.registerDefaults({
    admin_required: 'role:admin',
    is_domain_manager: 'role:manager',
    'identity:create_user': '(rule:is_domain_manager and token.domain.id:%(target.user.domain_id)s) or rule:admin_required',
  });
  const inD1 = { target: { user: { domain_id: 'd1', name: 'alice' } } };
  const inD2 = { 'target.user.domain_id': 'd2', 'target.user.name': 'bob' };

  const manager = domainCreds(['manager', 'member', 'reader'], 'd1');
  assert.equal(engine.check('identity:create_user', manager, inD1), true);
  assert.equal(engine.check('identity:create_user', manager, inD2), false);
  assert.throws(() => engine.enforce('identity:create_user', manager, inD2), (e: SovError) => e.status === 403);
  // a manager role on a project-scoped token carries no token.domain
  assert.equal(engine.check('identity:create_user', projectCreds(['manager']), inD1), false);
  // no target domain at all → no match for the manager
  assert.equal(engine.check('identity:create_user', manager, { target: { user: { name: 'carol' } } }), false);

  const domainMember = domainCreds(['member', 'reader'], 'd1');
  assert.equal(engine.check('identity:create_user', domainMember, inD1), false);
  assert.equal(engine.check('identity:create_user', member, inD1), false);

  const cloudAdmin = projectCreds(['admin'], { user_id: 'root', user_domain_id: 'default', project_domain_id: 'default' });
  assert.equal(engine.check('identity:create_user', cloudAdmin, inD1), true);
  assert.equal(engine.check('identity:create_user', cloudAdmin, inD2), true);
  assert.doesNotThrow(() => engine.enforce('identity:create_user', cloudAdmin, inD2));
});
