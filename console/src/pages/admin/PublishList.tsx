// Admins publish the month's data-quality red/black list: the quality service places every department,
// signs the list and stores it; it then appears, signed, on the everyone page (/quality/lists).
import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { ApiError } from '../../components/ApiError.tsx';
import { Loading } from '../../components/Loading.tsx';
import { useReadyMarker } from '../../components/ready.ts';
import { graphql } from '../../gql/index.ts';
import adminT from '../../i18n/admin.ts';
import { useT } from '../../i18n/i18n.tsx';

const PublishedQuery = graphql(`
  query ConsolePublishedLists {
    redBlackLists {
      id
      period
      issuedAt
      supersededBy
    }
  }
`);

const PublishMutation = graphql(`
  mutation ConsolePublishRedBlackList($period: String!) {
    publishRedBlackList(period: $period) {
      id
      period
      issuedAt
      supersededBy
    }
  }
`);

const thisMonth = () => new Date().toISOString().slice(0, 7);

export default function PublishList() {
  const t = useT(adminT);
  const [lists, refetch] = useQuery({ query: PublishedQuery });
  const [publishing, publish] = useMutation(PublishMutation);
  const [period, setPeriod] = useState(thisMonth);
  const [formError, setFormError] = useState('');
  const ref = useReadyMarker<HTMLElement>(!lists.fetching && (!!lists.data || !!lists.error));

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(period)) return setFormError(t('badMonth'));
    setFormError('');
    const r = await publish({ period });
    if (!r.error) refetch({ requestPolicy: 'network-only' });
  }
  const done = publishing.data?.publishRedBlackList;

  return (
    <section ref={ref} className="page" aria-labelledby="pub-title">
      <h1 id="pub-title">{t('publishTitle')}</h1>
      <p className="note">{t('publishHint')}</p>
      <form className="filters" onSubmit={submit}>
        <label>
          {t('publishPeriod')}
          <input type="month" required value={period} onChange={(e) => setPeriod(e.target.value)} />
        </label>
        <button type="submit" disabled={publishing.fetching}>
          {publishing.fetching ? t('publishing') : t('publish')}
        </button>
      </form>
      {formError ? (
        <p role="alert" className="api-error">
          {formError}
        </p>
      ) : null}
      <ApiError error={publishing.error} />
      {done ? (
        <p role="status" className="outcome" data-published={done.id}>
          {t('published', { id: done.id, period: done.period })}{' '}
          <Link to={`/quality/lists?id=${encodeURIComponent(done.id)}`}>{t('viewLists')}</Link>
        </p>
      ) : null}
      <ApiError error={lists.error} />
      {!lists.data && lists.fetching ? <Loading /> : null}
      {lists.data ? (
        lists.data.redBlackLists.length ? (
          <table className="list" aria-label={t('listsTitle')}>
            <thead>
              <tr>
                <th scope="col">{t('publishPeriod')}</th>
                <th scope="col">{t('colListId')}</th>
                <th scope="col">{t('colIssued')}</th>
              </tr>
            </thead>
            <tbody>
              {lists.data.redBlackLists.map((l) => (
                <tr key={l.id} data-list={l.id}>
                  <td>{l.period}</td>
                  <td>
                    <Link to={`/quality/lists?id=${encodeURIComponent(l.id)}`}>{l.id}</Link>
                  </td>
                  <td>{l.issuedAt ? new Date(l.issuedAt).toLocaleString() : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p>{t('noLists')}</p>
        )
      ) : null}
    </section>
  );
}
