// The sign-in page, as /console/config.json says: `dev`, the gateway mints a token with its dev issuer
// (POST /console/dev-token), only while it trusts that issuer; `oidc`, a button that sends the browser
// to the OpenID Provider (the way back is Callback.tsx); `none`, why there is nothing to sign in with.
// The token is kept in memory (SessionProvider). It also says how a sign-out went (location.state).
import { type FormEvent, useEffect, useState } from 'react';
import { useLocation, useNavigate, useSearchParams } from 'react-router';
import type { OidcSignInConfig } from '../../auth/oidc.ts';
import { ROLES, type Role, useSession } from '../../auth/session.tsx';
import { classifySignInError, getJson, goToProvider, loadSignInConfig } from '../../auth/sign-in-flow.ts';
import type { SignOutState } from '../../auth/use-sign-out.ts';
import { ApiError, type ProblemLike } from '../../components/ApiError.tsx';
import { Loading } from '../../components/Loading.tsx';
import { useReadyMarker } from '../../components/ready.ts';
import common from '../../i18n/common.ts';
import { useLang, useT } from '../../i18n/i18n.tsx';
import signInT from '../../i18n/sign-in.ts';
import { homeOf } from '../../routes.tsx';

interface Department {
  code: string;
  nameZh: string;
  nameEn: string;
}

const roleKey = {
  consumer: 'roleConsumer',
  steward: 'roleSteward',
  auditor: 'roleAuditor',
  admin: 'roleAdmin',
} as const;

export default function SignIn() {
  const t = useT(signInT);
  const tc = useT(common);
  const { lang } = useLang();
  const { setSession } = useSession();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const signedOut = useLocation().state as SignOutState | null;
  const [mode, setMode] = useState<string | null>(null);
  const [oidc, setOidc] = useState<OidcSignInConfig | null>(null);
  const [departments, setDepartments] = useState<Department[] | null>(null);
  const [error, setError] = useState<ProblemLike | null>(null);
  const [dept, setDept] = useState('');
  const [role, setRole] = useState<Role>('consumer');
  const [sub, setSub] = useState('');
  const [busy, setBusy] = useState(false);
  const ref = useReadyMarker<HTMLElement>(
    error !== null || (mode !== null && (mode !== 'dev' || departments !== null)),
  );

  useEffect(() => {
    (async () => {
      const config = await loadSignInConfig();
      if (config.signIn === 'oidc') setOidc(config.oidc);
      setMode(config.signIn);
      if (config.signIn !== 'dev') return;
      const list = await getJson<{ departments: Department[] }>('/console/departments');
      setDepartments(list.departments);
      setDept((d) => d || list.departments[0]?.code || '');
    })().catch((e) => setError(e instanceof Error ? { code: 'NETWORK', message: e.message } : e));
  }, []);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const s = await getJson<{ token: string; dept: string; role: Role; sub: string; expiresAt: string }>(
        '/console/dev-token',
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ dept, role, sub }) },
      );
      setSession(s);
      const next = params.get('next');
      // Only a path of this console: never an address elsewhere.
      navigate(next?.startsWith('/') && !next.startsWith('//') ? next : homeOf(s.role), { replace: true });
    } catch (err) {
      setError(err instanceof Error ? { code: 'NETWORK', message: err.message } : (err as ProblemLike));
      setBusy(false);
    }
  }

  async function toProvider() {
    setBusy(true);
    setError(null);
    try {
      await goToProvider(oidc!);
    } catch (err) {
      setError(classifySignInError(err).problem);
      setBusy(false);
    }
  }

  const issuerHost = oidc ? new URL(oidc.issuer).host : '';
  return (
    <section ref={ref} className="page" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">{t('title')}</h1>
      {signedOut?.signOut === 'pending' ? (
        <p role="status">{t('signingOut')}</p>
      ) : signedOut?.signOut === 'done' ? (
        <p role="status">{t('signedOut')}</p>
      ) : null}
      <ApiError
        error={
          signedOut?.signOut === 'incomplete'
            ? { code: 'SIGN_OUT_INCOMPLETE', message: `${t('signOutIncomplete')} (${signedOut.detail})` }
            : null
        }
      />
      <ApiError error={error} />
      {mode === null && !error ? <Loading /> : null}
      {mode === 'none' ? <p>{t('noSignIn')}</p> : null}
      {mode === 'dev' || mode === 'oidc' ? <p className="note">{t('memoryNote')}</p> : null}
      {mode === 'oidc' && oidc ? (
        <div className="form">
          <p className="note">{t('oidcNote', { issuer: issuerHost })}</p>
          <button type="button" onClick={toProvider} disabled={busy}>
            {busy ? t('redirecting') : t('oidcSubmit', { issuer: issuerHost })}
          </button>
        </div>
      ) : null}
      {mode === 'dev' && departments ? (
        <form onSubmit={submit} className="form">
          <p className="note">{t('devNote')}</p>
          <label>
            {t('department')}
            <select name="dept" value={dept} onChange={(e) => setDept(e.target.value)} required>
              {departments.map((d) => (
                <option key={d.code} value={d.code}>
                  {d.code} · {lang === 'zh' ? d.nameZh : d.nameEn}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('role')}
            <select name="role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {tc(roleKey[r])}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('subject')}
            <input
              name="sub"
              value={sub}
              onChange={(e) => setSub(e.target.value)}
              autoComplete="username"
              aria-describedby="sub-hint"
            />
          </label>
          <p id="sub-hint" className="hint">
            {t('subjectHint')}
          </p>
          <button type="submit" disabled={busy}>
            {busy ? t('signingIn') : t('submit')}
          </button>
        </form>
      ) : null}
    </section>
  );
}
