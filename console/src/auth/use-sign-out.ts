// The header's sign-out: the token leaves memory at once, whatever happens next; then it is revoked
// (gateway, and the provider for an OIDC token) and, with OIDC, the browser goes to the provider's
// end-session page so its session ends too. The sign-in page says how it went (location.state).
import { useCallback } from 'react';
import { useNavigate } from 'react-router';
import { useSession } from './session.tsx';

/** What the sign-in page is told about a sign-out (react-router location state). */
export interface SignOutState {
  signOut: 'pending' | 'done' | 'incomplete';
  detail?: string;
}

export function useSignOut() {
  const { session, setSession } = useSession();
  const navigate = useNavigate();
  return useCallback(async () => {
    if (!session) return;
    setSession(null);
    navigate('/sign-in', { state: { signOut: 'pending' } satisfies SignOutState });
    try {
      // Loaded on demand: the OIDC library stays out of the first page's chunk.
      const { endSession } = await import('./sign-in-flow.ts');
      const { endSessionUrl } = await endSession(session);
      if (endSessionUrl) location.assign(endSessionUrl.href);
      else navigate('/sign-in', { replace: true, state: { signOut: 'done' } satisfies SignOutState });
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      navigate('/sign-in', { replace: true, state: { signOut: 'incomplete', detail } satisfies SignOutState });
    }
  }, [session, setSession, navigate]);
}
