import { createContext, useContext, useState, type ReactNode } from 'react';
import type { Session } from './api.ts';

interface SessionState {
  session: Session | null;
  setSession(s: Session | null): void;
}

const SessionContext = createContext<SessionState | null>(null);
// The token lives for the tab only: closing it signs out.
const KEY = 'sovcloud.session';

function stored(): Session | null {
  const text = sessionStorage.getItem(KEY);
  if (!text) return null;
  const s = JSON.parse(text) as Session;
  return Date.parse(s.expiresAt) > Date.now() ? s : null;
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setState] = useState<Session | null>(stored);
  const setSession = (s: Session | null) => {
    if (s) sessionStorage.setItem(KEY, JSON.stringify(s));
    else sessionStorage.removeItem(KEY);
    setState(s);
  };
  return <SessionContext.Provider value={{ session, setSession }}>{children}</SessionContext.Provider>;
}

export function useSessionState(): SessionState {
  const ctx = useContext(SessionContext);
  if (!ctx) throw new Error('useSessionState outside SessionProvider');
  return ctx;
}

/** The signed-in session; pages render only inside the signed-in shell. */
export function useSession(): Session {
  const { session } = useSessionState();
  if (!session) throw new Error('no session');
  return session;
}

/** Whether the user may see operator or domain-manager screens (scs-0302 roles), by project or domain role. */
export function hasRole(session: Session, ...roles: string[]): boolean {
  return [...session.roles, ...(session.domainRoles ?? [])].some((r) => roles.includes(r));
}
