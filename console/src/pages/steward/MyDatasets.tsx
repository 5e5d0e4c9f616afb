// The steward's department's datasets with their latest quality score, red/yellow/green and open
// alerts; open one for its trend, failing examples and rules.
import { Link } from 'react-router';
import { useQuery } from 'urql';
import { useSession } from '../../auth/session.tsx';
import { ApiError } from '../../components/ApiError.tsx';
import { Loading } from '../../components/Loading.tsx';
import { useReadyMarker } from '../../components/ready.ts';
import { graphql } from '../../gql/index.ts';
import { useT } from '../../i18n/i18n.tsx';
import qualityT from '../../i18n/steward-quality.ts';
import { QualityStatus } from './QualityStatus.tsx';
import { type QualityAlerts, readAlerts } from './quality-json.ts';

const MyDatasetsQuery = graphql(`
  query ConsoleStewardDatasets($dept: String!) {
    datasets(filter: { ownerDept: $dept }, first: 100) {
      totalCount
      nodes {
        id
        title
        tier
        recordCount
      }
    }
    qualityAlerts
  }
`);

export default function MyDatasets() {
  const t = useT(qualityT);
  const { session } = useSession();
  const [{ data, fetching, error }] = useQuery({
    query: MyDatasetsQuery,
    variables: { dept: session?.dept ?? '' },
    pause: !session,
  });
  const ref = useReadyMarker<HTMLElement>(!fetching && (!!data || !!error));
  const alerts: QualityAlerts = readAlerts(data?.qualityAlerts);
  const rows = data?.datasets.nodes ?? [];
  return (
    <section ref={ref} className="page" aria-labelledby="datasets-title">
      <h1 id="datasets-title">{t('datasetsTitle')}</h1>
      <ApiError error={error} />
      {!data && fetching ? <Loading /> : null}
      {data && rows.length === 0 ? <p>{t('noDatasets')}</p> : null}
      {data && rows.length > 0 ? (
        <>
          <p role="status" className="count">
            {t('datasetsCount', { n: data.datasets.totalCount ?? rows.length })}
          </p>
          <table className="list" aria-labelledby="datasets-title">
            <thead>
              <tr>
                <th scope="col">{t('colDataset')}</th>
                <th scope="col">{t('colTier')}</th>
                <th scope="col">{t('colRecords')}</th>
                <th scope="col">{t('colScore')}</th>
                <th scope="col">{t('colStatus')}</th>
                <th scope="col">{t('colAlerts')}</th>
                <th scope="col">
                  <span className="sr-only">{t('open')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((d) => {
                const q = alerts.datasets.find((x) => x.datasetId === d.id);
                return (
                  <tr key={d.id} data-dataset={d.id}>
                    <td>
                      {d.title}
                      <div className="sub">{d.id}</div>
                    </td>
                    <td>{d.tier}</td>
                    <td className="num">{d.recordCount}</td>
                    <td className="num" data-score>
                      {q?.score ?? t('notScored')}
                    </td>
                    <td>
                      <QualityStatus status={q?.status} />
                    </td>
                    <td className="num" data-open-alerts>
                      {q?.openAlerts ?? 0}
                    </td>
                    <td>
                      <Link to={`/steward/datasets/${encodeURIComponent(d.id)}`} aria-label={`${t('open')} ${d.id}`}>
                        {t('open')}
                      </Link>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </>
      ) : null}
    </section>
  );
}
