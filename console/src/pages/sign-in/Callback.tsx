// Where the OpenID Provider sends the browser back (/console/sign-in/callback?code&state): the code and
// state leave the address bar at once, the code is redeemed with the PKCE verifier, the gateway is asked
// who the token is (so a token it refuses never becomes a session), and the token is kept in memory.
import { useEffect, useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { type CombinedError, useClient } from 'urql';
import { type Session, useSession } from '../../auth/session.tsx';
import {
  classifySignInError,
  consoleRole,
  finishAtProvider,
  loadSignInConfig,
  type SignInFailure,
} from '../../auth/sign-in-flow.ts';
import { ApiError, type ProblemLike } from '../../components/ApiError.tsx';
import { Loading } from '../../components/Loading.tsx';
import { useReadyMarker } from '../../components/ready.ts';
import { graphql } from '../../gql/index.ts';
import { useT } from '../../i18n/i18n.tsx';
import signInT from '../../i18n/sign-in.ts';
import { homeOf } from '../../routes.tsx';

const MeQuery = graphql(`
  query ConsoleSignInMe {
    me {
      sub
      dept
      roles
    }
  }
`);

type Failure = SignInFailure | 'gateway' | 'noRole' | 'notOidc';
const lead = {
  provider: 'failedProvider',
  state: 'failedState',
  exchange: 'failedExchange',
  notStarted: 'failedNotStarted',
  network: 'failedNetwork',
  other: 'failedOther',
  gateway: 'failedGateway',
  noRole: 'failedNoRole',
  notOidc: 'failedNotOidc',
} as const satisfies Record<Failure, string>;

class SignInError extends Error {
  constructor(
    readonly kind: Failure,
    readonly problem: ProblemLike | CombinedError,
  ) {
    super(problem.message);
  }
}

export default function SignInCallback() {
  const t = useT(signInT);
  const client = useClient();
  const { setSession } = useSession();
  const navigate = useNavigate();
  const [failure, setFailure] = useState<SignInError | null>(null);
  const ref = useReadyMarker<HTMLElement>(failure !== null);
  // One completion per visit: a second run of the effect (React's StrictMode in development) waits for
  // the same one; the provider's code can be redeemed only once.
  const started = useRef<Promise<Session> | null>(null);

  // Once per visit: the client changes when the session is set (a client per token), which must not
  // run the completion's outcome again.
  // biome-ignore lint/correctness/useExhaustiveDependencies: see above
  useEffect(() => {
    if (!started.current) {
      const href = location.href;
      // The code and state never stay in the address bar or the history.
      history.replaceState(history.state, '', location.pathname);
      started.current = (async (): Promise<Session> => {
        const config = await loadSignInConfig().catch((err: ProblemLike) => {
          throw new SignInError('network', err);
        });
        if (config.signIn !== 'oidc')
          throw new SignInError('notOidc', { code: 'SIGN_IN_NOT_OIDC', message: `config.json: ${config.signIn}` });
        const signedIn = await finishAtProvider(config.oidc, href).catch((err: unknown) => {
          const { kind, problem } = classifySignInError(err);
          throw new SignInError(kind, problem);
        });
        const me = await client
          .query(
            MeQuery,
            {},
            {
              requestPolicy: 'network-only',
              fetchOptions: {
                headers: {
                  accept: 'application/graphql-response+json, application/json',
                  authorization: `Bearer ${signedIn.accessToken}`,
                },
              },
            },
          )
          .toPromise();
        if (me.error || !me.data) throw new SignInError('gateway', me.error ?? { message: 'no answer' });
        const role = consoleRole(me.data.me.roles);
        if (!role)
          throw new SignInError('noRole', { code: 'FORBIDDEN', message: `roles: ${me.data.me.roles.join(', ')}` });
        return {
          token: signedIn.accessToken,
          sub: me.data.me.sub,
          dept: me.data.me.dept,
          role,
          ...(signedIn.expiresAt ? { expiresAt: new Date(signedIn.expiresAt).toISOString() } : {}),
          oidc: config.oidc,
        };
      })();
    }
    let current = true;
    started.current.then(
      (session) => {
        if (!current) return;
        setSession(session);
        navigate(homeOf(session.role), { replace: true });
      },
      (err: unknown) => {
        if (!current) return;
        setFailure(err instanceof SignInError ? err : new SignInError('other', classifySignInError(err).problem));
      },
    );
    return () => {
      current = false;
    };
  }, []);

  return (
    <section ref={ref} className="page" aria-labelledby="callback-title">
      <h1 id="callback-title">{t(failure ? 'callbackFailedTitle' : 'callbackTitle')}</h1>
      {failure ? (
        <>
          <p>{t(lead[failure.kind])}</p>
          <ApiError error={failure.problem} />
          <p>
            <Link to="/sign-in">{t('backToSignIn')}</Link>
          </p>
        </>
      ) : (
        <>
          <p className="note">{t('completing')}</p>
          <Loading />
        </>
      )}
    </section>
  );
}
