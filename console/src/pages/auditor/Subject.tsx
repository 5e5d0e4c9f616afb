// Who accessed this person's (or company's) records: the identifier goes to the hub in the request body
// only (never the address), the hub hashes it (HMAC) and lists the events whose subject keys hold it.
// After the search the field is emptied and the identifier is kept in memory, not on the page.
import { type FormEvent, useState } from 'react';
import { useQuery } from 'urql';
import { ApiError } from '../../components/ApiError.tsx';
import { Loading } from '../../components/Loading.tsx';
import { useReadyMarker } from '../../components/ready.ts';
import { graphql } from '../../gql/index.ts';
import auditorT from '../../i18n/auditor.ts';
import { useT } from '../../i18n/i18n.tsx';
import { EventTable } from './EventTable.tsx';
import { PAGE_SIZE } from './Events.tsx';

const SubjectQuery = graphql(`
  query ConsoleAuditSubject($identifier: String!, $after: String, $first: Int) {
    auditSubjectAccess(identifier: $identifier, first: $first, after: $after) {
      pageInfo {
        endCursor
        hasNextPage
      }
      nodes {
        ...ConsoleAuditEventRow
      }
    }
  }
`);

export default function Subject() {
  const t = useT(auditorT);
  const [typed, setTyped] = useState('');
  const [asked, setAsked] = useState<{ identifier: string; after?: string; n: number } | null>(null);
  const [{ data, fetching, error }] = useQuery({
    query: SubjectQuery,
    variables: { identifier: asked?.identifier ?? '', after: asked?.after, first: PAGE_SIZE },
    pause: !asked,
    requestPolicy: 'network-only',
  });
  // Ready when the form is shown (nothing asked yet) or the answer is.
  const ref = useReadyMarker<HTMLElement>(!asked || (!fetching && (!!data || !!error)));

  function search(e: FormEvent) {
    e.preventDefault();
    const identifier = typed.trim();
    if (!identifier) return;
    setTyped('');
    setAsked((prev) => ({ identifier, n: (prev?.n ?? 0) + 1 }));
  }
  const page = data?.auditSubjectAccess;
  const nodes = page?.nodes ?? [];
  return (
    <section ref={ref} className="page" aria-labelledby="subject-title">
      <h1 id="subject-title">{t('subjectTitle')}</h1>
      <form className="filters" onSubmit={search} autoComplete="off">
        <label>
          {t('identifier')}
          <input
            type="password"
            name="identifier"
            autoComplete="off"
            spellCheck={false}
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            aria-describedby="identifier-hint"
          />
        </label>
        <button type="submit">{t('search')}</button>
      </form>
      <p id="identifier-hint" className="hint">
        {t('identifierHint')}
      </p>
      <ApiError error={asked ? error : null} />
      {asked && fetching && !data ? <Loading /> : null}
      {asked && page ? (
        <>
          <h2 id="subject-results">{t('resultFor')}</h2>
          <p role="status" className="count">
            {nodes.length ? t('subjectCount', { n: nodes.length }) : t('emptySubject')}
          </p>
          {nodes.length ? <EventTable events={nodes} labelledBy="subject-results" /> : null}
          {page.pageInfo.hasNextPage && page.pageInfo.endCursor ? (
            <button
              type="button"
              onClick={() => setAsked({ ...asked, after: page.pageInfo.endCursor!, n: asked.n + 1 })}
            >
              {t('nextPage')}
            </button>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
