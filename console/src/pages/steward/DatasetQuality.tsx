// One dataset's quality: the latest score and status, the trend over runs (chart and table), the
// failing-rule examples as the API gives them (masked) and the open alerts.
import { lazy, Suspense, useMemo } from 'react';
import { Link, useParams } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { ApiError } from '../../components/ApiError.tsx';
import { Loading } from '../../components/Loading.tsx';
import { useReadyMarker } from '../../components/ready.ts';
import { graphql } from '../../gql/index.ts';
import { useT } from '../../i18n/i18n.tsx';
import qualityT from '../../i18n/steward-quality.ts';
import { QualityStatus } from './QualityStatus.tsx';
import { readAlerts, readExamples, readHeadline } from './quality-json.ts';
import type { TrendPoint } from './TrendChart.tsx';

// ECharts is most of this page's weight: its own chunk, so the figures show while the chart loads.
const TrendChart = lazy(() => import('./TrendChart.tsx').then((m) => ({ default: m.TrendChart })));

const DatasetQualityQuery = graphql(`
  query ConsoleStewardDatasetQuality($dataset: ID!) {
    dataset(id: $dataset) {
      id
      title
      recordCount
    }
    qualityHistory(dataset: $dataset, limit: 50) {
      id
      status
      score
      createdAt
      finishedAt
      metrics
    }
    qualityReport(dataset: $dataset) {
      score
      status
      scoredAt
      examples
      ruleSetVersion
    }
    qualityAlerts
  }
`);

const RescoreMutation = graphql(`
  mutation ConsoleStewardRescore($dataset: ID!) {
    runQuality(dataset: $dataset) {
      id
      status
    }
  }
`);

/** Ratios as percentages with two decimals, as the tests read them back. */
export const percent = (v: number | undefined) => (v === undefined ? '—' : `${(v * 100).toFixed(2)}%`);

export default function DatasetQuality() {
  const t = useT(qualityT);
  const id = useParams().id ?? '';
  const [{ data, fetching, error }, refetch] = useQuery({ query: DatasetQualityQuery, variables: { dataset: id } });
  const [rescore, runQuality] = useMutation(RescoreMutation);
  const ref = useReadyMarker<HTMLElement>(!fetching && (!!data || !!error));

  // Oldest first for the chart; only runs that produced a score.
  const runs = useMemo(
    () =>
      [...(data?.qualityHistory ?? [])]
        .filter((r) => r.status === 'succeeded' && r.score != null && r.finishedAt)
        .reverse()
        .map((r): TrendPoint & { id: string } => {
          const m = readHeadline(r.metrics);
          return {
            id: r.id,
            at: r.finishedAt as string,
            score: r.score as number,
            completeness: m.completeness,
            uniqueness: m.uniqueness,
            accuracy: m.accuracy,
          };
        }),
    [data],
  );
  const names = useMemo(
    () => ({
      score: t('colScore'),
      completeness: t('colCompleteness'),
      uniqueness: t('colUniqueness'),
      accuracy: t('colAccuracy'),
    }),
    [t],
  );
  const examples = readExamples(data?.qualityReport.examples);
  const alerts = readAlerts(data?.qualityAlerts).alerts.filter((a) => a.datasetId === id && !a.resolvedAt);
  const report = data?.qualityReport;

  return (
    <section ref={ref} className="page" aria-labelledby="dq-title">
      <p>
        <Link to="/steward/datasets">{t('back')}</Link>
      </p>
      <h1 id="dq-title">{t('datasetTitle', { id: data?.dataset?.title ?? id })}</h1>
      <ApiError error={error} />
      {!data && fetching ? <Loading /> : null}
      {data && report ? (
        <>
          <dl className="facts">
            <dt>{t('score')}</dt>
            <dd data-report-score>{report.score ?? t('notScored')}</dd>
            <dt>{t('status')}</dt>
            <dd>
              <QualityStatus status={report.status} />
            </dd>
            <dt>{t('scoredAt')}</dt>
            <dd>{report.scoredAt ? new Date(report.scoredAt).toLocaleString() : '—'}</dd>
            <dt>{t('ruleSetVersion')}</dt>
            <dd>{report.ruleSetVersion ?? '—'}</dd>
            <dt>{t('records')}</dt>
            <dd>{data.dataset?.recordCount ?? '—'}</dd>
          </dl>
          <p className="filters">
            <Link to={`/steward/datasets/${encodeURIComponent(id)}/rules`}>{t('editRules')}</Link>
            <button
              type="button"
              disabled={rescore.fetching}
              onClick={() =>
                void runQuality({ dataset: id }).then((r) => {
                  if (!r.error) refetch({ requestPolicy: 'network-only' });
                })
              }
            >
              {t('rescore')}
            </button>
          </p>
          <ApiError error={rescore.error} />
          {rescore.data ? <p role="status">{t('rescoreQueued', { id: rescore.data.runQuality.id })}</p> : null}

          <h2 id="trend-title">{t('trendTitle')}</h2>
          {runs.length === 0 ? (
            <p>{t('trendEmpty')}</p>
          ) : (
            <>
              <Suspense fallback={<Loading />}>
                <TrendChart points={runs} names={names} label={t('trendChart', { n: runs.length })} />
              </Suspense>
              <table className="list" aria-labelledby="trend-title" data-trend>
                <thead>
                  <tr>
                    <th scope="col">{t('colFinished')}</th>
                    <th scope="col">{t('colScore')}</th>
                    <th scope="col">{t('colCompleteness')}</th>
                    <th scope="col">{t('colUniqueness')}</th>
                    <th scope="col">{t('colAccuracy')}</th>
                  </tr>
                </thead>
                <tbody>
                  {runs.map((r) => (
                    <tr key={r.id} data-run={r.id}>
                      <td>{new Date(r.at).toLocaleString()}</td>
                      <td className="num" data-col="score">
                        {r.score}
                      </td>
                      <td className="num" data-col="completeness">
                        {percent(r.completeness)}
                      </td>
                      <td className="num" data-col="uniqueness">
                        {percent(r.uniqueness)}
                      </td>
                      <td className="num" data-col="accuracy">
                        {percent(r.accuracy)}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}

          <h2 id="alerts-title">{t('alertsTitle')}</h2>
          {alerts.length === 0 ? (
            <p>{t('alertsEmpty')}</p>
          ) : (
            <table className="list" aria-labelledby="alerts-title">
              <thead>
                <tr>
                  <th scope="col">{t('colMetric')}</th>
                  <th scope="col">{t('colKind')}</th>
                  <th scope="col">{t('colReference')}</th>
                  <th scope="col">{t('colValue')}</th>
                  <th scope="col">{t('colRaised')}</th>
                </tr>
              </thead>
              <tbody>
                {alerts.map((a) => (
                  <tr key={a.id} data-alert={a.id}>
                    <td>{a.metric}</td>
                    <td>{a.kind === 'drop' || a.kind === 'target' ? t(`alert${a.kind}`) : a.kind}</td>
                    <td className="num">{a.metric === 'score' ? a.reference : percent(a.reference)}</td>
                    <td className="num">{a.metric === 'score' ? a.value : percent(a.value)}</td>
                    <td>{new Date(a.raisedAt).toLocaleString()}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}

          <h2>{t('examplesTitle')}</h2>
          {examples.length === 0 ? <p>{t('examplesEmpty')}</p> : null}
          {examples.map(([rule, xs]) => (
            <table key={rule} className="list" data-examples={rule}>
              <caption>{t('exampleRule', { rule })}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('colKey')}</th>
                  <th scope="col">{t('colProblem')}</th>
                  <th scope="col">{t('colValues')}</th>
                </tr>
              </thead>
              <tbody>
                {xs.map((x, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: masked keys may repeat; the list is never reordered
                  <tr key={i}>
                    <td>
                      <code>{x.key}</code>
                    </td>
                    <td>{x.problem}</td>
                    <td>
                      {Object.entries(x.values ?? {})
                        .map(([f, v]) => `${f}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
                        .join('; ')}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ))}
        </>
      ) : null}
    </section>
  );
}
