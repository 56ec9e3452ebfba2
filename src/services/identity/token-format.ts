import type { Named, Scope } from '../../platform/auth.ts';
import type { SealingKey } from '../../platform/crypto.ts';

/** Everything a token asserts; sealed with AES-GCM so it validates without the database. */
export interface TokenPayload {
  user: Named & { domain: Named };
  scope: Scope;
  roles: Named[];
  methods: string[];
  auditIds: string[];
  issuedAt: number;
  expiresAt: number;
  applicationCredential?: { id: string; unrestricted: boolean };
}

const VERSION = 1;
const AAD = Buffer.from('sovcloud-token-v1');
/** A fixed alphanumeric start, so no token begins with `-` and reads as an option to a CLI. */
const PREFIX = 'sv1';

type Compact = [
  v: number, user: [string, string, string, string], scope: string[], roles: [string, string][],
  methods: string[], audit: string[], issued: number, expires: number, appCred: [string, number] | 0,
];

export function encodeToken(key: SealingKey, p: TokenPayload): string {
  let scope: string[];
  switch (p.scope.kind) {
    case 'project': {
      const { project } = p.scope;
      scope = ['p', project.id, project.name, project.domain.id, project.domain.name];
      break;
    }
    case 'domain':
      scope = ['d', p.scope.domain.id, p.scope.domain.name];
      break;
    case 'system':
      scope = ['s'];
      break;
    case 'unscoped':
      scope = [];
  }
  const compact: Compact = [
    VERSION,
    [p.user.id, p.user.name, p.user.domain.id, p.user.domain.name],
    scope,
    p.roles.map((r) => [r.id, r.name]),
    p.methods,
    p.auditIds,
    p.issuedAt,
    p.expiresAt,
    p.applicationCredential ? [p.applicationCredential.id, p.applicationCredential.unrestricted ? 1 : 0] : 0,
  ];
  return PREFIX + key.seal(Buffer.from(JSON.stringify(compact)), AAD).toString('base64url');
}

/** Undefined for anything that is not an intact token of ours. */
export function decodeToken(key: SealingKey, token: string): TokenPayload | undefined {
  if (token.length > 8192 || !token.startsWith(PREFIX) || !/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
  const plain = key.open(Buffer.from(token.slice(PREFIX.length), 'base64url'), AAD);
  if (!plain) return undefined;
  const c = JSON.parse(plain.toString()) as Compact;
  if (c[0] !== VERSION) return undefined;
  const [, [uid, uname, udid, udname], s, roles, methods, auditIds, issuedAt, expiresAt, appCred] = c;
  let scope: Scope;
  if (s[0] === 'p') {
    scope = { kind: 'project', project: { id: s[1]!, name: s[2]!, domain: { id: s[3]!, name: s[4]! } } };
  } else if (s[0] === 'd') {
    scope = { kind: 'domain', domain: { id: s[1]!, name: s[2]! } };
  } else if (s[0] === 's') {
    scope = { kind: 'system' };
  } else {
    scope = { kind: 'unscoped' };
  }
  const payload: TokenPayload = {
    user: { id: uid, name: uname, domain: { id: udid, name: udname } },
    scope,
    roles: roles.map(([id, name]) => ({ id, name })),
    methods,
    auditIds,
    issuedAt,
    expiresAt,
  };
  if (appCred) payload.applicationCredential = { id: appCred[0], unrestricted: appCred[1] === 1 };
  return payload;
}
