import { Suspense } from 'react';
import { BrowserRouter, Navigate, NavLink, Route, Routes, useLocation } from 'react-router';
import { ApiProvider } from './api/client.tsx';
import { type Role, SessionProvider, useSession } from './auth/session.tsx';
import { useSignOut } from './auth/use-sign-out.ts';
import { ErrorBoundary } from './components/ErrorBoundary.tsx';
import { Loading } from './components/Loading.tsx';
import common from './i18n/common.ts';
import { type Lang, LangProvider, useLang, useT } from './i18n/i18n.tsx';
import { type ConsoleRoute, homeOf, mayOpen, routes } from './routes.tsx';

const roleKey = {
  consumer: 'roleConsumer',
  steward: 'roleSteward',
  auditor: 'roleAuditor',
  admin: 'roleAdmin',
} as const satisfies Record<Role, string>;

function NavLabelText({ route }: { route: ConsoleRoute }) {
  const t = useT(route.nav!.dict);
  return <>{t(route.nav!.key)}</>;
}

function Header() {
  const t = useT(common);
  const { lang, setLang } = useLang();
  const { session } = useSession();
  const signOut = useSignOut();
  return (
    <header className="top">
      <a className="skip" href="#main">
        {t('skipToContent')}
      </a>
      <span className="brand">{t('appName')}</span>
      {session ? (
        <nav aria-label={t('mainNav')}>
          <ul>
            {routes
              .filter((r) => r.nav && mayOpen(r, session.role))
              .map((r) => (
                <li key={r.path}>
                  <NavLink to={`/${r.path}`} end>
                    <NavLabelText route={r} />
                  </NavLink>
                </li>
              ))}
          </ul>
        </nav>
      ) : null}
      <div className="top-tools">
        <label>
          {t('language')}{' '}
          <select value={lang} onChange={(e) => setLang(e.target.value as Lang)}>
            <option value="zh">中文</option>
            <option value="en">English</option>
          </select>
        </label>
        {session ? (
          <>
            <span className="who">
              {t('signedInAs', { sub: session.sub, dept: session.dept, role: t(roleKey[session.role]) })}
            </span>
            <button type="button" onClick={signOut}>
              {t('signOut')}
            </button>
          </>
        ) : null}
      </div>
    </header>
  );
}

function Guarded({ route }: { route: ConsoleRoute }) {
  const { session } = useSession();
  const location = useLocation();
  const t = useT(common);
  if (route.roles !== 'public' && !session)
    return <Navigate to={`/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  if (!mayOpen(route, session?.role)) return <p role="alert">{t('notForRole')}</p>;
  const Page = route.page;
  return (
    <ErrorBoundary resetKey={location.pathname}>
      <Suspense fallback={<Loading />}>
        <Page />
      </Suspense>
    </ErrorBoundary>
  );
}

function Home() {
  const { session } = useSession();
  return <Navigate to={session ? homeOf(session.role) : '/sign-in'} replace />;
}

function NotFound() {
  const t = useT(common);
  return <p role="alert">{t('notFound')}</p>;
}

export function App() {
  return (
    <LangProvider>
      <SessionProvider>
        <ApiProvider>
          <BrowserRouter basename="/console">
            <Header />
            <main id="main" tabIndex={-1}>
              <Routes>
                <Route index element={<Home />} />
                {routes.map((r) => (
                  <Route key={r.path} path={r.path} element={<Guarded route={r} />} />
                ))}
                <Route path="*" element={<NotFound />} />
              </Routes>
            </main>
          </BrowserRouter>
        </ApiProvider>
      </SessionProvider>
    </LangProvider>
  );
}
