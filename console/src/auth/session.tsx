// The signed-in session lives in memory only (React state): never localStorage or sessionStorage, so
// a token cannot outlive the tab or be read by a script from storage. Reloading signs out.
import { createContext, type ReactNode, useContext, useMemo, useState } from 'react';
import type { OidcSignInConfig } from './oidc.ts';

export type Role = 'consumer' | 'steward' | 'auditor' | 'admin';
export const ROLES: Role[] = ['consumer', 'steward', 'auditor', 'admin'];

export interface Session {
  token: string;
  dept: string;
  role: Role;
  sub: string;
  /** When the token expires (ISO 8601), when its issuer said. */
  expiresAt?: string;
  /** Set when the token came from the OpenID Provider: signing out also ends the provider's session. */
  oidc?: OidcSignInConfig;
}

const SessionContext = createContext<{ session: Session | null; setSession(s: Session | null): void }>({
  session: null,
  setSession: () => {},
});

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(null);
  const value = useMemo(() => ({ session, setSession }), [session]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export const useSession = () => useContext(SessionContext);
