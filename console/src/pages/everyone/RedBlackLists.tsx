// The data-quality red/black lists (数据质量红黑榜), current and past, for everyone: each list's signature
// is verified here, in the browser (console/src/verify), and the entries shown are the signed ones.
import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useQuery } from 'urql';
import { ApiError } from '../../components/ApiError.tsx';
import { Loading } from '../../components/Loading.tsx';
import { useReadyMarker } from '../../components/ready.ts';
import { graphql } from '../../gql/index.ts';
import type { ConsoleRedBlackListQuery } from '../../gql/graphql.ts';
import { useT } from '../../i18n/i18n.tsx';
import redBlackT from '../../i18n/red-black.ts';
import { type Ed25519PublicJwk, verifyRedBlackList } from '../../verify/index.ts';

const ListsQuery = graphql(`
  query ConsoleRedBlackLists {
    redBlackLists {
      id
      period
      issuedAt
      supersedes
      supersededBy
    }
    redBlackListPublicKey
  }
`);

const ListQuery = graphql(`
  query ConsoleRedBlackList($id: ID!) {
    redBlackList(id: $id) {
      id
      period
      issuedAt
      supersedes
      supersededBy
      jws
      body
      departments {
        dept
        list
        score
        reasons
        figures
      }
    }
  }
`);

type ApiList = ConsoleRedBlackListQuery['redBlackList'];
interface DatasetFigure {
  datasetId: string;
  runId: string;
  records: number;
  score: number;
  completeness: number;
  uniqueness: number;
  accuracy: number;
}
interface Entry {
  dept: string;
  list: string;
  score: number | null;
  reasons: string[];
  records?: number;
  datasets: DatasetFigure[];
  unresolvedAlerts: unknown[];
}
interface Change {
  dept: string;
  from: { list: string };
  to: { list: string };
  appealId: string;
  reason: string;
}
type Check =
  | { state: 'checking' }
  | { state: 'verified'; keyId: string; publication: Record<string, unknown> }
  | { state: 'failed'; reason: string };

const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const sameEntry = (a: Entry, b: ApiList['departments'][number]) =>
  a.list === b.list && a.score === b.score && JSON.stringify(a.reasons) === JSON.stringify(b.reasons);

/** The signature, then the entries the API sent beside it: both must be what was signed. */
async function check(list: ApiList, key: unknown, notSigned: (dept: string) => string): Promise<Check> {
  const r = await verifyRedBlackList(list, key as { jwk: Ed25519PublicJwk });
  if (!r.ok) return { state: 'failed', reason: r.reason };
  const signed = asArray(r.publication.departments) as Entry[];
  for (const d of list.departments) {
    const s = signed.find((x) => x.dept === d.dept);
    if (!s || !sameEntry(s, d)) return { state: 'failed', reason: notSigned(d.dept) };
  }
  if (signed.length !== list.departments.length) return { state: 'failed', reason: notSigned('…') };
  return { state: 'verified', keyId: r.keyId, publication: r.publication };
}

const fig = (v: number | undefined) => (v == null ? '—' : `${Math.round(v * 1000) / 10}%`);

export default function RedBlackLists() {
  const t = useT(redBlackT);
  const [params] = useSearchParams();
  const [lists] = useQuery({ query: ListsQuery });
  const all = lists.data?.redBlackLists ?? [];
  const id = params.get('id') ?? all[0]?.id;
  const [one] = useQuery({ query: ListQuery, variables: { id: id ?? '' }, pause: !id });
  const [verdict, setVerdict] = useState<{ id: string; check: Check }>();
  const list = one.data?.redBlackList;
  const key = lists.data?.redBlackListPublicKey;
  useEffect(() => {
    if (!list || !key) return;
    let live = true;
    check(list, key, (dept) => t('shownNotSigned', { dept })).then(
      (c) => live && setVerdict({ id: list.id, check: c }),
    );
    return () => {
      live = false;
    };
  }, [list, key, t]);
  const result: Check = verdict && list && verdict.id === list.id ? verdict.check : { state: 'checking' };
  const ready = !!lists.error || (!!lists.data && (!id || !!one.error || (!!list && result.state !== 'checking')));
  const ref = useReadyMarker<HTMLElement>(ready);

  const publication = result.state === 'verified' ? result.publication : undefined;
  // Verified: the signed entries. Failed: what arrived, marked as not verified.
  const entries: Entry[] = publication
    ? (asArray(publication.departments) as Entry[])
    : (list?.departments ?? []).map((d) => {
        const f = (d.figures ?? {}) as { datasets?: DatasetFigure[]; unresolvedAlerts?: unknown[] };
        return {
          ...d,
          datasets: asArray(f.datasets) as DatasetFigure[],
          unresolvedAlerts: asArray(f.unresolvedAlerts),
        };
      });
  const changes = asArray(publication?.changes) as Change[];

  return (
    <section ref={ref} className="page" aria-labelledby="rb-title">
      <h1 id="rb-title">{t('title')}</h1>
      <p className="note">{t('intro')}</p>
      <ApiError error={lists.error} />
      {!lists.data && lists.fetching ? <Loading /> : null}
      {lists.data && !all.length ? <p>{t('noLists')}</p> : null}
      {all.length ? (
        <>
          <h2 id="rb-all">{t('allLists')}</h2>
          <table className="list" aria-labelledby="rb-all">
            <thead>
              <tr>
                <th scope="col">{t('colPeriod')}</th>
                <th scope="col">{t('colIssued')}</th>
                <th scope="col">{t('colState')}</th>
                <th scope="col">{t('colShow')}</th>
              </tr>
            </thead>
            <tbody>
              {all.map((l) => (
                <tr key={l.id} data-list={l.id}>
                  <td>{l.period}</td>
                  <td>{l.issuedAt ? new Date(l.issuedAt).toLocaleString() : '—'}</td>
                  <td>
                    {l.supersededBy ? t('superseded', { id: l.supersededBy }) : t('current')}
                    {l.supersedes ? <span className="sub">{t('corrects', { id: l.supersedes })}</span> : null}
                  </td>
                  <td>
                    {l.id === id ? (
                      <span aria-current="true">{t('shown')}</span>
                    ) : (
                      <Link to={`/quality/lists?id=${encodeURIComponent(l.id)}`} aria-label={`${t('show')} ${l.id}`}>
                        {t('show')}
                      </Link>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
      <ApiError error={one.error} />
      {id && !list && one.fetching ? <Loading /> : null}
      {list ? (
        <article aria-labelledby="rb-one" data-shown-list={list.id}>
          <h2 id="rb-one">{t('listTitle', { period: list.period })}</h2>
          <div role="status" data-signature={result.state}>
            {result.state === 'checking' ? <p>{t('checking')}</p> : null}
            {result.state === 'verified' ? (
              <p className="deadline deadline-green">
                <span className="dot" aria-hidden="true" />
                <strong>{t('verified')}</strong> — {t('verifiedDetail', { kid: result.keyId })}
              </p>
            ) : null}
            {result.state === 'failed' ? (
              <p className="deadline deadline-red">
                <span className="dot" aria-hidden="true" />
                <strong>{t('failed')}</strong> — {t('failedDetail', { reason: result.reason })}
              </p>
            ) : null}
          </div>
          <dl className="facts">
            <dt>{t('listId')}</dt>
            <dd>{list.id}</dd>
            <dt>{t('issuedAt')}</dt>
            <dd>{list.issuedAt ? new Date(list.issuedAt).toLocaleString() : '—'}</dd>
            {publication ? (
              <>
                <dt>{t('asOf')}</dt>
                <dd>{new Date(String(publication.asOf)).toLocaleString()}</dd>
                <dt>{t('policyVersion')}</dt>
                <dd>{String((publication.policy as { version?: number } | undefined)?.version ?? '—')}</dd>
                <dt>{t('keyId')}</dt>
                <dd data-key-id>{result.state === 'verified' ? result.keyId : ''}</dd>
              </>
            ) : null}
          </dl>
          {changes.length ? (
            <>
              <h3>{t('changesTitle')}</h3>
              <ul>
                {changes.map((c) => (
                  <li key={`${c.dept}-${c.appealId}`}>
                    {t('changeLine', {
                      dept: c.dept,
                      from: t(`list${c.from.list as 'red'}`),
                      to: t(`list${c.to.list as 'red'}`),
                      appeal: c.appealId,
                      reason: c.reason,
                    })}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
          <table className="list" aria-labelledby="rb-one">
            <thead>
              <tr>
                <th scope="col">{t('colDept')}</th>
                <th scope="col">{t('colList')}</th>
                <th scope="col">{t('colScore')}</th>
                <th scope="col">{t('colReasons')}</th>
                <th scope="col">{t('colFigures')}</th>
              </tr>
            </thead>
            <tbody className={publication ? undefined : 'unverified'}>
              {entries.map((e) => (
                <tr key={e.dept} data-dept={e.dept} data-placement={e.list}>
                  <th scope="row">{e.dept}</th>
                  <td>
                    <span className={`placement placement-${e.list}`}>
                      {['red', 'black', 'none'].includes(e.list) ? t(`list${e.list as 'red'}`) : e.list}
                    </span>
                  </td>
                  <td className="num">{e.score ?? '—'}</td>
                  <td>
                    {e.reasons.length ? (
                      <ul>
                        {e.reasons.map((r) => (
                          <li key={r}>{r}</li>
                        ))}
                      </ul>
                    ) : (
                      '—'
                    )}
                  </td>
                  <td>
                    {e.records != null ? <span className="sub">{t('records', { n: e.records })}</span> : null}
                    <span className="sub">{t('alerts', { n: e.unresolvedAlerts.length })}</span>
                    {e.datasets.length ? (
                      <ul>
                        {e.datasets.map((d) => (
                          <li key={d.datasetId}>
                            {t('dsLine', {
                              ds: d.datasetId,
                              score: d.score,
                              c: fig(d.completeness),
                              u: fig(d.uniqueness),
                              a: fig(d.accuracy),
                              n: d.records,
                              run: d.runId,
                            })}
                          </li>
                        ))}
                      </ul>
                    ) : (
                      <span className="sub">{t('noDatasets')}</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </article>
      ) : null}
    </section>
  );
}
