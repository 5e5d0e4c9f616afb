// My department's access requests: status, deadline (in words and colour), the decision with its
// reason, the grant it made, and each request's history.
import { Link, useSearchParams } from 'react-router';
import { useQuery } from 'urql';
import { ApiError } from '../../components/ApiError.tsx';
import { Loading } from '../../components/Loading.tsx';
import { useReadyMarker } from '../../components/ready.ts';
import { graphql } from '../../gql/index.ts';
import type { ConsoleMyRequestsQuery } from '../../gql/graphql.ts';
import consumerT from '../../i18n/consumer.ts';
import { useT } from '../../i18n/i18n.tsx';
import { Deadline } from '../steward/Deadline.tsx';

const MyRequestsQuery = graphql(`
  query ConsoleMyRequests {
    accessRequests(box: FILED, first: 50) {
      id
      datasetId
      ownerDept
      purpose
      status
      filedAt
      deadline
      deadlineStatus
      workingDaysLeft
      assignee
      fields {
        name
      }
      unmaskedFields
      durationDays
      rejectReason
      rejectText
      decision {
        fields
        unmaskedFields
        durationDays
        note
      }
      grant {
        id
        active
        expiresAt
      }
      history {
        at
        actor
        kind
      }
    }
  }
`);

type Request = ConsoleMyRequestsQuery['accessRequests'][number];
const KINDS = ['filed', 'assigned', 'transferred', 'approved', 'rejected', 'withdrawn', 'grant-revoked'] as const;

export default function Requests() {
  const t = useT(consumerT);
  const [params] = useSearchParams();
  const [{ data, fetching, error }] = useQuery({ query: MyRequestsQuery, requestPolicy: 'cache-and-network' });
  const ref = useReadyMarker<HTMLElement>(!fetching && (!!data || !!error));
  const rows = data?.accessRequests ?? [];
  const filed = params.get('filed');
  const kindText = (kind: string) =>
    (KINDS as readonly string[]).includes(kind) ? t(`kind${kind as (typeof KINDS)[number]}`) : kind;
  return (
    <section ref={ref} className="page" aria-labelledby="requests-title">
      <h1 id="requests-title">{t('requestsTitle')}</h1>
      <p>
        <Link to="/requests/new">{t('newRequest')}</Link>
      </p>
      <ApiError error={error} />
      {!data && fetching ? <Loading /> : null}
      {data && !rows.length ? <p>{t('noRequests')}</p> : null}
      {rows.length ? (
        <table className="list" aria-labelledby="requests-title">
          <thead>
            <tr>
              <th scope="col">{t('colDataset')}</th>
              <th scope="col">{t('colStatus')}</th>
              <th scope="col">{t('colDeadline')}</th>
              <th scope="col">{t('colDecision')}</th>
              <th scope="col">{t('history')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id} data-request={r.id} className={r.id === filed ? 'just-filed' : undefined}>
                <th scope="row">
                  {r.datasetId}
                  <span className="sub">
                    {r.ownerDept} · {r.id}
                  </span>
                  <span className="sub">{r.purpose}</span>
                  <span className="sub">
                    {t('colFiled')}: {new Date(r.filedAt).toLocaleString()}
                  </span>
                </th>
                <td data-status={r.status}>
                  {t(`status${r.status}`)}
                  {r.assignee ? <span className="sub">{t('assignee', { who: r.assignee })}</span> : null}
                </td>
                <td>
                  <Deadline status={r.deadlineStatus} deadline={r.deadline} daysLeft={r.workingDaysLeft} />
                </td>
                <td data-decision={r.status}>
                  <Decision r={r} />
                </td>
                <td>
                  <ol className="history" aria-label={t('historyOf', { id: r.id })}>
                    {r.history.map((h) => (
                      <li key={`${h.at}-${h.kind}`} data-kind={h.kind}>
                        {new Date(h.at).toLocaleString()} · {kindText(h.kind)} · {h.actor}
                      </li>
                    ))}
                  </ol>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

function Decision({ r }: { r: Request }) {
  const t = useT(consumerT);
  const names = (l: string[]) => (l.length ? l.join(', ') : t('none'));
  if (r.status === 'REJECTED')
    return (
      <>{t('rejected', { reason: r.rejectReason ? t(`reason${r.rejectReason}`) : '—', text: r.rejectText ?? '' })}</>
    );
  if (r.status !== 'APPROVED' || !r.decision) return <>—</>;
  return (
    <>
      {t('decisionApproved', {
        fields: names(r.decision.fields),
        unmasked: names(r.decision.unmaskedFields),
        days: r.decision.durationDays,
      })}
      {r.decision.note ? <span className="sub">{t('decisionNote', { note: r.decision.note })}</span> : null}
      {r.grant ? (
        <span className="sub">
          {t('grantLine', {
            id: r.grant.id,
            state: r.grant.active ? t('grantActive') : t('grantInactive'),
            at: new Date(r.grant.expiresAt).toLocaleDateString(),
          })}
        </span>
      ) : null}
    </>
  );
}
