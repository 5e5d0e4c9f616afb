// Chinese by default, English on request. Each area has its own dictionary (i18n/<area>.ts) made with
// defineDictionary, which makes TypeScript refuse an English side missing a Chinese key.
import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from 'react';

export type Lang = 'zh' | 'en';
export interface Dictionary<K extends string> {
  zh: Record<K, string>;
  en: Record<K, string>;
}

/** zh first: its keys are the area's keys; en must have every one (and no other). */
export function defineDictionary<const Z extends Record<string, string>>(
  zh: Z,
  en: { [K in keyof Z]: string },
): Dictionary<Extract<keyof Z, string>> {
  return { zh, en } as Dictionary<Extract<keyof Z, string>>;
}

// The language is not a secret: remembered in localStorage (the token never is).
const STORAGE_KEY = 'govshare.console.lang';
const LangContext = createContext<{ lang: Lang; setLang(l: Lang): void }>({ lang: 'zh', setLang: () => {} });

export function LangProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(() => (localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'zh'));
  const setLang = useCallback((l: Lang) => {
    localStorage.setItem(STORAGE_KEY, l);
    document.documentElement.lang = l === 'zh' ? 'zh-CN' : 'en';
    setLangState(l);
  }, []);
  const value = useMemo(() => ({ lang, setLang }), [lang, setLang]);
  return <LangContext.Provider value={value}>{children}</LangContext.Provider>;
}

export const useLang = () => useContext(LangContext);

/** t('key', { n: 3 }) replaces {n} in the text. */
export function useT<K extends string>(dict: Dictionary<K>) {
  const { lang } = useLang();
  return useCallback(
    (key: K, vars?: Record<string, string | number>) => {
      const text = dict[lang][key];
      return vars ? text.replace(/\{(\w+)\}/g, (m, v: string) => (v in vars ? String(vars[v]) : m)) : text;
    },
    [dict, lang],
  );
}
