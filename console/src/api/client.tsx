// urql over /graphql (same origin), the session's token as Bearer. A new client per token: the
// cache of one identity is never shown to another.
import type { ReactNode } from 'react';
import { useMemo } from 'react';
import { Client, cacheExchange, fetchExchange, Provider } from 'urql';
import { useSession } from '../auth/session.tsx';

export function ApiProvider({ children }: { children: ReactNode }) {
  const { session } = useSession();
  const token = session?.token;
  const client = useMemo(
    () =>
      new Client({
        url: `${location.origin}/graphql`,
        exchanges: [cacheExchange, fetchExchange],
        requestPolicy: 'cache-and-network',
        preferGetMethod: false,
        fetchOptions: () => ({
          headers: {
            accept: 'application/graphql-response+json, application/json',
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
        }),
      }),
    [token],
  );
  return <Provider value={client}>{children}</Provider>;
}
