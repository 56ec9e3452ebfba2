import { useState } from 'react';
import { ApiError, call, faultMessage, type Named, type Session } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import { hasRole } from '../session.tsx';

/**
 * The session to manage `domainId` with. Keystone's domain-manager rules (scs-0302) match
 * `token.domain.id`, which only a domain-scoped token has; a cloud admin passes with any scope.
 */
export async function domainSession(session: Session, domainId: string): Promise<Session> {
  if (hasRole(session, 'admin')) return session;
  const res = await fetch('/identity/v3/auth/tokens', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ auth: { identity: { methods: ['token'], token: { id: session.token } }, scope: { domain: { id: domainId } } } }),
  });
  if (!res.ok) throw new ApiError(res.status, faultMessage(res.status, await res.text()));
  const token = (await res.json()).token as { roles: { name: string }[] };
  return { ...session, token: res.headers.get('X-Subject-Token')!, roles: token.roles.map((r) => r.name) };
}

export function identityCall<T = any>(session: Session, path: string, method = 'GET', body?: unknown): Promise<T> {
  return call<T>(session, 'identity', `/v3${path}`, { method, body });
}

/** A secret shown masked until asked for, with a copy button. */
export function Secret({ value, testId, shown = false }: { value: string; testId?: string; shown?: boolean }) {
  const { t } = useI18n();
  const [visible, setVisible] = useState(shown);
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    await navigator.clipboard.writeText(value);
    setCopied(true);
    setTimeout(() => setCopied(false), 1500);
  };
  return (
    <span className="secret">
      <code data-testid={testId}>{visible ? value : '•'.repeat(12)}</code>
      {!shown && <button type="button" onClick={() => setVisible(!visible)}>{visible ? t('Hide') : t('Show')}</button>}
      {navigator.clipboard && <button type="button" onClick={() => void copy()}>{copied ? t('Copied') : t('Copy')}</button>}
    </span>
  );
}

export interface User extends Named {
  enabled: boolean;
  description?: string;
  default_project_id?: string;
}

export interface Group extends Named {
  description?: string;
}

export interface Project extends Named {
  description?: string;
  enabled: boolean;
}

/** What every domain-administration tab works on: one domain, with the token that may manage it. */
export interface DomainData {
  ds: Session;
  domainId: string;
  users: User[];
  groups: Group[];
  projects: Project[];
  roles: Named[];
  reload: () => Promise<void>;
}

export async function loadDomain(ds: Session, domainId: string): Promise<Omit<DomainData, 'reload'>> {
  const q = `?domain_id=${encodeURIComponent(domainId)}`;
  const [users, groups, projects, roles] = await Promise.all([
    identityCall<{ users: User[] }>(ds, `/users${q}`),
    identityCall<{ groups: Group[] }>(ds, `/groups${q}`),
    identityCall<{ projects: Project[] }>(ds, `/projects${q}`),
    identityCall<{ roles: Named[] }>(ds, '/roles'),
  ]);
  const byName = (a: Named, b: Named) => a.name.localeCompare(b.name);
  return { ds, domainId, users: users.users.sort(byName), groups: groups.groups.sort(byName), projects: projects.projects.sort(byName), roles: roles.roles.sort(byName) };
}
