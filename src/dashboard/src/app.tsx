import { useEffect, useState } from 'react';
import { myProjects, switchProject, type Named } from './api.ts';
import { useI18n, type Lang } from './i18n.tsx';
import { Login } from './pages/login.tsx';
import { routes, type Route } from './routes.tsx';
import { hasRole, useSessionState } from './session.tsx';

/** `#/instances?x=1` → the route and its parameters; hash routing needs no server fallback. */
function useHashRoute(): { path: string; params: URLSearchParams } {
  const read = () => {
    const [path = '', query = ''] = location.hash.replace(/^#\/?/, '').split('?');
    return { path: path || 'overview', params: new URLSearchParams(query) };
  };
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const on = () => setRoute(read());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

export function navigate(path: string): void {
  location.hash = `#/${path}`;
}

export function App() {
  const { session, setSession } = useSessionState();
  const { t, lang, setLang } = useI18n();
  const { path, params } = useHashRoute();
  const [projects, setProjects] = useState<Named[]>([]);
  const [menuOpen, setMenuOpen] = useState(false);

  useEffect(() => {
    if (session) void myProjects(session).then(setProjects, () => setProjects([]));
  }, [session?.token]);

  if (!session) return <Login />;
  const visible = (r: Route) => !r.roles || hasRole(session, ...r.roles);
  const route = routes.find((r) => r.path === path && visible(r)) ?? routes[0]!;
  const sections = [...new Set(routes.filter((r) => !r.hidden && visible(r)).map((r) => r.section))];
  const Current = route.page;

  return (
    <div className="shell">
      <header className="topbar">
        <button className="menu-toggle" aria-label="Menu" onClick={() => setMenuOpen(!menuOpen)}>☰</button>
        <span className="brand">sovcloud</span>
        <label className="project-switch">
          <span>{t('Project')}</span>
          <select
            value={session.project.id}
            onChange={async (e) => setSession(await switchProject(session, e.target.value))}
            data-testid="project-switch"
          >
            {(projects.length ? projects : [session.project]).map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
          </select>
        </label>
        <select aria-label={t('Language')} value={lang} onChange={(e) => setLang(e.target.value as Lang)} data-testid="language">
          <option value="en">English</option>
          <option value="de">Deutsch</option>
        </select>
        <span className="who">{session.user.name}</span>
        <button onClick={() => setSession(null)}>{t('Sign out')}</button>
      </header>
      <nav className={menuOpen ? 'nav open' : 'nav'} onClick={() => setMenuOpen(false)}>
        {sections.map((section) => (
          <div key={section} className="nav-section">
            <div className="nav-title">{t(section)}</div>
            {routes.filter((r) => r.section === section && !r.hidden && visible(r)).map((r) => (
              <a key={r.path} href={`#/${r.path}`} className={r === route ? 'active' : ''}>{t(r.title)}</a>
            ))}
          </div>
        ))}
      </nav>
      <main className="content">
        <Current key={`${session.project.id}/${route.path}`} params={params} />
      </main>
    </div>
  );
}
