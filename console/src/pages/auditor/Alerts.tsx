// Unusual access the log flagged (repeated denials, grant misuse, large reads, sandbox probing), open
// ones first; an auditor closes one with a conclusion and a note (appended, audited by the hub).
import { type FormEvent, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { ApiError } from '../../components/ApiError.tsx';
import { Loading } from '../../components/Loading.tsx';
import { useReadyMarker } from '../../components/ready.ts';
import { graphql } from '../../gql/index.ts';
import type { AuditAlertReviewOutcome, AuditAlertStatus } from '../../gql/graphql.ts';
import auditorT from '../../i18n/auditor.ts';
import common from '../../i18n/common.ts';
import { useLang, useT } from '../../i18n/i18n.tsx';
import { formatTime } from './EventTable.tsx';
import { PAGE_SIZE } from './Events.tsx';

const AlertsQuery = graphql(`
  query ConsoleAuditAlerts($status: AuditAlertStatus, $after: String, $first: Int) {
    auditAlerts(status: $status, first: $first, after: $after) {
      pageInfo {
        endCursor
        hasNextPage
      }
      nodes {
        id
        kind
        sub
        dept
        seq
        at
        message
        details
        review {
          outcome
          note
          at
          reviewer {
            sub
            dept
          }
        }
      }
    }
  }
`);

const ReviewMutation = graphql(`
  mutation ConsoleAuditReviewAlert($id: ID!, $outcome: AuditAlertReviewOutcome!, $note: String!) {
    reviewAuditAlert(id: $id, outcome: $outcome, note: $note) {
      id
      at
      outcome
    }
  }
`);

const OUTCOMES: AuditAlertReviewOutcome[] = ['confirmed', 'false_positive'];

export default function Alerts() {
  const t = useT(auditorT);
  const tc = useT(common);
  const { lang } = useLang();
  const [params, setParams] = useSearchParams();
  const status: AuditAlertStatus = params.get('status') === 'reviewed' ? 'reviewed' : 'open';
  const after = params.get('after') ?? undefined;
  const context = useMemo(() => ({ additionalTypenames: ['AuditAlertReview'] }), []);
  const [{ data, fetching, error }, refetch] = useQuery({
    query: AlertsQuery,
    variables: { status, after, first: PAGE_SIZE },
    context,
  });
  const [reviewing, setReviewing] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<AuditAlertReviewOutcome>('confirmed');
  const [note, setNote] = useState('');
  const [done, setDone] = useState<{ id: string; outcome: AuditAlertReviewOutcome } | null>(null);
  const [review, runReview] = useMutation(ReviewMutation);
  const formRef = useRef<HTMLFormElement>(null);
  const ref = useReadyMarker<HTMLElement>(!fetching && (!!data || !!error));
  useEffect(() => {
    if (reviewing) formRef.current?.querySelector('select')?.focus();
  }, [reviewing]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!reviewing) return;
    const res = await runReview({ id: reviewing, outcome, note: note.trim() });
    if (res.error) return;
    setDone({ id: reviewing, outcome });
    setReviewing(null);
    setNote('');
    refetch({ requestPolicy: 'network-only' });
  }
  const page = data?.auditAlerts;
  const nodes = page?.nodes ?? [];
  return (
    <section ref={ref} className="page" aria-labelledby="alerts-title">
      <h1 id="alerts-title">{t('alertsTitle')}</h1>
      <div className="filters">
        <label>
          {t('status')}
          <select
            value={status}
            onChange={(e) => setParams(e.target.value === 'open' ? {} : { status: e.target.value })}
          >
            <option value="open">{t('statusopen')}</option>
            <option value="reviewed">{t('statusreviewed')}</option>
          </select>
        </label>
      </div>
      {done ? (
        <p role="status" className="outcome" data-reviewed={done.id}>
          {t('reviewed', { id: done.id, outcome: t(`outcome${done.outcome}`) })}
        </p>
      ) : null}
      <ApiError error={error} />
      {!data && fetching ? <Loading /> : null}
      {page ? (
        <>
          <p className="count">{nodes.length ? null : tc('empty')}</p>
          {nodes.length ? (
            <table className="list" aria-labelledby="alerts-title">
              <thead>
                <tr>
                  <th scope="col">{t('colAt')}</th>
                  <th scope="col">{t('colKind')}</th>
                  <th scope="col">{t('colWho')}</th>
                  <th scope="col">{t('colMessage')}</th>
                  <th scope="col">{t('colEvent')}</th>
                  <th scope="col">{t('colReview')}</th>
                </tr>
              </thead>
              <tbody>
                {nodes.map((a) => (
                  <tr key={a.id} data-alert={a.id}>
                    <td>{formatTime(a.at, lang)}</td>
                    <td>
                      <span className={`chip alert-${a.review ? 'reviewed' : 'open'}`}>
                        {t(a.review ? 'statusreviewed' : 'statusopen')}
                      </span>{' '}
                      {a.kind}
                    </td>
                    <td>
                      {a.sub}
                      <span className="sub">{a.dept}</span>
                    </td>
                    <td>
                      {a.message}
                      <span className="sub">{JSON.stringify(a.details)}</span>
                    </td>
                    <td>
                      <Link to={`/audit/proof?seq=${a.seq}`} aria-label={t('verifyEvent', { seq: a.seq })}>
                        {a.seq}
                      </Link>
                    </td>
                    <td>
                      {a.review ? (
                        t('reviewedBy', {
                          outcome: t(`outcome${a.review.outcome}`),
                          sub: a.review.reviewer.sub,
                          at: formatTime(a.review.at, lang),
                          note: a.review.note,
                        })
                      ) : (
                        <button
                          type="button"
                          aria-label={t('reviewAlert', { id: a.id })}
                          onClick={() => setReviewing(a.id)}
                        >
                          {t('review')}
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
          {page.pageInfo.hasNextPage && page.pageInfo.endCursor ? (
            <button
              type="button"
              onClick={() => setParams({ ...Object.fromEntries(params), after: page.pageInfo.endCursor! })}
            >
              {t('nextPage')}
            </button>
          ) : null}
        </>
      ) : null}
      {reviewing ? (
        <form ref={formRef} className="form" onSubmit={submit} aria-labelledby="review-title">
          <h2 id="review-title">{t('reviewAlert', { id: reviewing })}</h2>
          <label>
            {t('reviewOutcome')}
            <select value={outcome} onChange={(e) => setOutcome(e.target.value as AuditAlertReviewOutcome)}>
              {OUTCOMES.map((o) => (
                <option key={o} value={o}>
                  {t(`outcome${o}`)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('note')}
            <textarea
              required
              minLength={3}
              maxLength={2000}
              rows={3}
              value={note}
              onChange={(e) => setNote(e.target.value)}
            />
          </label>
          <ApiError error={review.error} />
          <div className="filters">
            <button type="submit" disabled={review.fetching}>
              {t('submitReview')}
            </button>
            <button type="button" onClick={() => setReviewing(null)}>
              {t('cancel')}
            </button>
          </div>
        </form>
      ) : null}
    </section>
  );
}
