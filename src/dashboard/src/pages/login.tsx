import { useState } from 'react';
import { login } from '../api.ts';
import { useI18n, type Lang } from '../i18n.tsx';
import { useSessionState } from '../session.tsx';
import { ErrorNote, Field, useAction } from '../ui.tsx';

export function Login() {
  const { t, lang, setLang } = useI18n();
  const { setSession } = useSessionState();
  const [domain, setDomain] = useState('Default');
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction();
  return (
    <div className="login">
      <form
        className="card"
        onSubmit={async (e) => {
          e.preventDefault();
          await action.run(async () => setSession(await login(domain, user, password)));
        }}
      >
        <h1>sovcloud</h1>
        <Field label={t('Domain')}><input name="domain" value={domain} onChange={(e) => setDomain(e.target.value)} required /></Field>
        <Field label={t('User')}><input name="username" autoComplete="username" value={user} onChange={(e) => setUser(e.target.value)} required /></Field>
        <Field label={t('Password')}><input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required /></Field>
        <ErrorNote message={action.error} />
        <button type="submit" className="primary" disabled={action.busy}>{t('Sign in')}</button>
        <select aria-label={t('Language')} value={lang} onChange={(e) => setLang(e.target.value as Lang)}>
          <option value="en">English</option>
          <option value="de">Deutsch</option>
        </select>
      </form>
    </div>
  );
}
