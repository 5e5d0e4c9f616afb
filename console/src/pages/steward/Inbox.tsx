// The steward's inbox: requests addressed to the department, soonest deadline first, each with its
// red/yellow/green; open one to decide it.
import { Link, useSearchParams } from 'react-router';
import { useQuery } from 'urql';
import { ApiError } from '../../components/ApiError.tsx';
import { Loading } from '../../components/Loading.tsx';
import { useReadyMarker } from '../../components/ready.ts';
import { graphql } from '../../gql/index.ts';
import { useT } from '../../i18n/i18n.tsx';
import stewardT from '../../i18n/steward.ts';
import { Deadline } from './Deadline.tsx';

const InboxQuery = graphql(`
  query ConsoleStewardInbox($status: AccessRequestStatus, $assignedToMe: Boolean) {
    accessRequests(box: RECEIVED, status: $status, assignedToMe: $assignedToMe, first: 100) {
      id
      datasetId
      requesterDept
      requestedBy
      purpose
      assignee
      status
      deadline
      deadlineStatus
      workingDaysLeft
      filedAt
    }
  }
`);

export default function Inbox() {
  const t = useT(stewardT);
  const [params, setParams] = useSearchParams();
  const all = params.get('show') === 'all';
  const mine = params.get('mine') === '1';
  const [{ data, fetching, error }] = useQuery({
    query: InboxQuery,
    variables: { status: all ? null : 'PENDING', assignedToMe: mine },
  });
  const ref = useReadyMarker<HTMLElement>(!fetching && (!!data || !!error));
  const rows = [...(data?.accessRequests ?? [])].sort((a, b) => Date.parse(a.deadline) - Date.parse(b.deadline));
  const setParam = (k: string, v: string | null) => {
    const next = new URLSearchParams(params);
    if (v) next.set(k, v);
    else next.delete(k);
    setParams(next);
  };
  return (
    <section ref={ref} className="page" aria-labelledby="inbox-title">
      <h1 id="inbox-title">{t('title')}</h1>
      <div className="filters">
        <label>
          {t('show')}
          <select
            value={all ? 'all' : 'pending'}
            onChange={(e) => setParam('show', e.target.value === 'all' ? 'all' : null)}
          >
            <option value="pending">{t('showPending')}</option>
            <option value="all">{t('showAll')}</option>
          </select>
        </label>
        <label className="check">
          <input type="checkbox" checked={mine} onChange={(e) => setParam('mine', e.target.checked ? '1' : null)} />
          {t('mineOnly')}
        </label>
      </div>
      <ApiError error={error} />
      {!data && fetching ? <Loading /> : null}
      {data ? (
        <>
          <p role="status" className="count">
            {t('count', { n: rows.length })}
          </p>
          <table className="list" aria-labelledby="inbox-title">
            <thead>
              <tr>
                <th scope="col">{t('colDeadline')}</th>
                <th scope="col">{t('colDataset')}</th>
                <th scope="col">{t('colRequester')}</th>
                <th scope="col">{t('colPurpose')}</th>
                <th scope="col">{t('colAssignee')}</th>
                <th scope="col">{t('colStatus')}</th>
                <th scope="col">
                  <span className="sr-only">{t('open')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id} data-request={r.id}>
                  <td>
                    <Deadline status={r.deadlineStatus} deadline={r.deadline} daysLeft={r.workingDaysLeft} />
                  </td>
                  <td>{r.datasetId}</td>
                  <td>
                    {r.requesterDept}
                    <div className="sub">{r.requestedBy}</div>
                  </td>
                  <td>{r.purpose}</td>
                  <td>{r.assignee ?? '—'}</td>
                  <td>{t(`status${r.status}`)}</td>
                  <td>
                    <Link to={`/steward/requests/${encodeURIComponent(r.id)}`} aria-label={`${t('open')} ${r.id}`}>
                      {t('open')}
                    </Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </section>
  );
}
