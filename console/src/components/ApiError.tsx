// API errors in words with their code (extensions.code), never a blank page.
import type { CombinedError } from 'urql';
import common from '../i18n/common.ts';
import { useT } from '../i18n/i18n.tsx';

export interface ProblemLike {
  code?: string;
  message: string;
}

type ErrorInput = CombinedError | Error | ProblemLike | null | undefined;

/** The problems an error carries, each with its code when the API gave one. */
export function problemsOf(error: ErrorInput): ProblemLike[] {
  if (!error) return [];
  if ('graphQLErrors' in error) {
    const gql = error.graphQLErrors.map((e) => ({
      code: typeof e.extensions?.code === 'string' ? e.extensions.code : undefined,
      message: e.message,
    }));
    if (gql.length) return gql;
    if (error.networkError) return [{ code: 'NETWORK', message: error.networkError.message }];
  }
  return [{ code: 'code' in error ? error.code : undefined, message: error.message }];
}

export function ApiError({ error }: { error: ErrorInput }) {
  const t = useT(common);
  const problems = problemsOf(error);
  if (!problems.length) return null;
  return (
    <div role="alert" className="api-error">
      <p className="api-error-title">{t('errorTitle')}</p>
      <ul>
        {problems.map((p, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: the list is rendered once per error, never reordered
          <li key={i}>
            {p.code ? (
              <>
                <span className="sr-only">{t('errorCode')}: </span>
                <code className="api-error-code">{p.code}</code>{' '}
              </>
            ) : null}
            {p.code === 'NETWORK' ? `${t('networkError')}: ${p.message}` : p.message}
          </li>
        ))}
      </ul>
    </div>
  );
}
