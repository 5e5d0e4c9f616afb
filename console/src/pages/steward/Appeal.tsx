// Appeal the department's placement on a published red/black list: the current lists (a superseded
// one cannot be appealed), where the department stands and why, a form for the reason, and the
// appeals filed against the list with their status.
import { type FormEvent, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { useSession } from '../../auth/session.tsx';
import { ApiError } from '../../components/ApiError.tsx';
import { Loading } from '../../components/Loading.tsx';
import { useReadyMarker } from '../../components/ready.ts';
import { graphql } from '../../gql/index.ts';
import { useT } from '../../i18n/i18n.tsx';
import qualityT from '../../i18n/steward-quality.ts';

const ListsQuery = graphql(`
  query ConsoleStewardLists {
    redBlackLists {
      id
      period
      issuedAt
      supersededBy
    }
  }
`);

const ListQuery = graphql(`
  query ConsoleStewardList($id: ID!) {
    redBlackList(id: $id) {
      id
      period
      departments {
        dept
        list
        score
        reasons
      }
    }
    qualityAppeals(publicationId: $id) {
      id
      dept
      reason
      status
    }
  }
`);

const AppealMutation = graphql(`
  mutation ConsoleStewardAppeal($pub: ID!, $reason: String!) {
    fileQualityAppeal(publicationId: $pub, reason: $reason) {
      id
      status
    }
  }
`);

const LISTS = ['red', 'black', 'none'] as const;
// The red list commends (green), the black list names poor quality (red); always with the words.
const LIST_COLOUR: Record<string, string> = { red: 'green', black: 'red' };
const APPEAL_STATUSES = ['pending', 'accepted', 'rejected'] as const;

export default function Appeal() {
  const t = useT(qualityT);
  const { session } = useSession();
  const [lists] = useQuery({ query: ListsQuery });
  const current = (lists.data?.redBlackLists ?? []).filter((l) => !l.supersededBy);
  const [picked, setPicked] = useState('');
  const id = picked || current[0]?.id || '';
  const [one, refetch] = useQuery({ query: ListQuery, variables: { id }, pause: !id });
  const [filing, file] = useMutation(AppealMutation);
  const [reason, setReason] = useState('');
  const [tooShort, setTooShort] = useState(false);
  const ready =
    (!lists.fetching && !!lists.error) ||
    (!!lists.data && (current.length === 0 || (!one.fetching && (!!one.data || !!one.error))));
  const ref = useReadyMarker<HTMLElement>(ready);
  const mine = one.data?.redBlackList.departments.find((d) => d.dept === session?.dept);
  const listWord = (l: string) =>
    (LISTS as readonly string[]).includes(l) ? t(`list${l as (typeof LISTS)[number]}`) : l;
  const statusWord = (s: string) =>
    (APPEAL_STATUSES as readonly string[]).includes(s) ? t(`appeal${s as (typeof APPEAL_STATUSES)[number]}`) : s;

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    if (reason.trim().length < 5) return setTooShort(true);
    setTooShort(false);
    const r = await file({ pub: id, reason: reason.trim() });
    if (!r.error) {
      setReason('');
      refetch({ requestPolicy: 'network-only' });
    }
  };

  return (
    <section ref={ref} className="page" aria-labelledby="appeal-title">
      <h1 id="appeal-title">{t('appealTitle')}</h1>
      <ApiError error={lists.error} />
      {!lists.data && lists.fetching ? <Loading /> : null}
      {lists.data && current.length === 0 ? <p>{t('noLists')}</p> : null}
      {current.length > 0 ? (
        <div className="filters">
          <label>
            {t('appealList')}
            <select value={id} onChange={(e) => setPicked(e.target.value)}>
              {current.map((l) => (
                <option key={l.id} value={l.id}>
                  {t('appealListOption', {
                    period: l.period,
                    at: l.issuedAt ? new Date(l.issuedAt).toLocaleString() : '—',
                  })}
                </option>
              ))}
            </select>
          </label>
        </div>
      ) : null}
      <ApiError error={one.error} />
      {id && !one.data && one.fetching ? <Loading /> : null}
      {one.data ? (
        <>
          <h2>{t('placement', { dept: session?.dept ?? '' })}</h2>
          {mine ? (
            <>
              <dl className="facts" data-placement={mine.list}>
                <dt>{t('appealList')}</dt>
                <dd>
                  <span className={`deadline deadline-${LIST_COLOUR[mine.list] ?? 'none'}`}>
                    <span className="dot" aria-hidden="true" />
                    {listWord(mine.list)}
                  </span>
                </dd>
                <dt>{t('score')}</dt>
                <dd>{mine.score ?? t('notScored')}</dd>
                <dt>{t('reasons')}</dt>
                <dd>
                  <ul>
                    {mine.reasons.map((r) => (
                      <li key={r}>{r}</li>
                    ))}
                  </ul>
                </dd>
              </dl>
              <form className="form" onSubmit={onSubmit} noValidate>
                <label>
                  {t('appealReason')}
                  <textarea
                    className="wide"
                    rows={4}
                    value={reason}
                    onChange={(e) => setReason(e.target.value)}
                    aria-invalid={tooShort}
                    required
                  />
                </label>
                {tooShort ? (
                  <p role="alert" className="api-error">
                    {t('reasonTooShort')}
                  </p>
                ) : null}
                <ApiError error={filing.error} />
                <button type="submit" disabled={filing.fetching}>
                  {t('appealSubmit')}
                </button>
                {filing.data ? (
                  <p role="status" className="outcome" data-appeal={filing.data.fileQualityAppeal.id}>
                    {t('appealFiled', {
                      id: filing.data.fileQualityAppeal.id,
                      status: statusWord(filing.data.fileQualityAppeal.status),
                    })}
                  </p>
                ) : null}
              </form>
            </>
          ) : (
            <p>{t('notOnList')}</p>
          )}
          <h2 id="appeals-title">{t('appealsTitle')}</h2>
          {one.data.qualityAppeals.length === 0 ? (
            <p>{t('appealsEmpty')}</p>
          ) : (
            <table className="list" aria-labelledby="appeals-title">
              <thead>
                <tr>
                  <th scope="col">{t('colAppeal')}</th>
                  <th scope="col">{t('colDept')}</th>
                  <th scope="col">{t('colReason')}</th>
                  <th scope="col">{t('colStatus')}</th>
                </tr>
              </thead>
              <tbody>
                {one.data.qualityAppeals.map((a) => (
                  <tr key={a.id} data-appeal-row={a.id} data-appeal-status={a.status}>
                    <td>
                      <code>{a.id}</code>
                    </td>
                    <td>{a.dept}</td>
                    <td>{a.reason}</td>
                    <td>{statusWord(a.status)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      ) : null}
    </section>
  );
}
