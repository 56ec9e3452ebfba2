import { createContext, useContext, useState, type ReactNode } from 'react';
import { de } from './lang/de.ts';

export type Lang = 'en' | 'de';

interface I18n {
  lang: Lang;
  setLang(lang: Lang): void;
  /** The text for `english` in the current language; English is the key, so a missing translation shows English. */
  t(english: string, vars?: Record<string, string | number>): string;
}

const I18nContext = createContext<I18n | null>(null);

function fill(text: string, vars?: Record<string, string | number>): string {
  return vars ? text.replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? `{${k}}`)) : text;
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(() => (localStorage.getItem('sovcloud.lang') === 'de' ? 'de' : 'en'));
  const setLang = (l: Lang) => {
    localStorage.setItem('sovcloud.lang', l);
    document.documentElement.lang = l;
    setLangState(l);
  };
  const t = (english: string, vars?: Record<string, string | number>) => fill(lang === 'de' ? de[english] ?? english : english, vars);
  return <I18nContext.Provider value={{ lang, setLang, t }}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const ctx = useContext(I18nContext);
  if (!ctx) throw new Error('useI18n outside I18nProvider');
  return ctx;
}
