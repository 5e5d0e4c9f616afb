// The sandbox (可用不可见): an aggregate question over a dataset, optionally joined with another
// department's, grouped by declared dimensions; the answer as a table and a bar chart, each value with
// its 95% margin, the groups the API left out shown as suppressed (never as 0), and the privacy budget left.
import { type FormEvent, useMemo, useState } from 'react';
import { useQuery } from 'urql';
import { ApiError } from '../../components/ApiError.tsx';
import { Loading } from '../../components/Loading.tsx';
import { useReadyMarker } from '../../components/ready.ts';
import { graphql } from '../../gql/index.ts';
import type { AggregateFn, ConsoleSandboxAggregateQuery, SandboxQuery } from '../../gql/graphql.ts';
import consumerT from '../../i18n/consumer.ts';
import { useT } from '../../i18n/i18n.tsx';
import { baseType } from './filter.ts';
import { type Bar, SandboxChart } from './SandboxChart.tsx';

const DatasetsQuery = graphql(`
  query ConsoleSandboxDatasets {
    datasets(first: 100) {
      nodes {
        id
        title
        ownerDept
      }
    }
  }
`);

const DictionaryQuery = graphql(`
  query ConsoleSandboxDictionary($id: ID!) {
    dataset(id: $id) {
      id
      fields {
        name
        title
        type
        enumValues
        dimension
      }
    }
  }
`);

const AggregateQuery = graphql(`
  query ConsoleSandboxAggregate($q: SandboxQuery!) {
    sandboxAggregate(query: $q) {
      k
      scope
      measures
      groups {
        key
        count
        subjects
        values
        margins
      }
      privacy {
        mode
        epsilon
        datasetEpsilonLeft
        departmentEpsilonLeft
        cached
      }
    }
  }
`);

const FNS: AggregateFn[] = ['COUNT', 'SUM', 'AVG'];
const MAX_GROUP_BY = 3;

interface Field {
  /** As the query names it: "field", or "dataset.field" in a join. */
  ref: string;
  name: string;
  title: string | null;
  type: string;
  enumValues?: unknown[] | null;
  dimension: boolean;
}

interface Measure {
  fn: AggregateFn;
  field: string;
}

function useDictionary(id: string) {
  const [{ data, fetching, error }] = useQuery({ query: DictionaryQuery, variables: { id }, pause: !id });
  return { fields: data?.dataset?.fields ?? [], fetching, error };
}

export default function Sandbox() {
  const t = useT(consumerT);
  const [{ data: list, fetching: listing, error: listError }] = useQuery({ query: DatasetsQuery });
  const [dataset, setDataset] = useState('');
  const [join, setJoin] = useState('');
  const [on, setOn] = useState('');
  const [groupBy, setGroupBy] = useState<string[]>([]);
  const [measures, setMeasures] = useState<Measure[]>([{ fn: 'COUNT', field: '' }]);
  const [problem, setProblem] = useState<string | null>(null);
  const [asked, setAsked] = useState<{ q: SandboxQuery; dims: Field[] } | null>(null);
  const main = useDictionary(dataset);
  const other = useDictionary(join);
  const datasets = list?.datasets.nodes ?? [];
  const ownerOf = (id: string) => datasets.find((d) => d.id === id)?.ownerDept;

  // In a join every field is named "dataset.field".
  const fields: Field[] = useMemo(() => {
    const named = (ds: string, fs: typeof main.fields) =>
      fs.map((f) => ({ ...f, ref: join ? `${ds}.${f.name}` : f.name }));
    return [...named(dataset, main.fields), ...(join ? named(join, other.fields) : [])];
  }, [dataset, join, main.fields, other.fields]);
  const dimensions = fields.filter((f) => f.dimension);
  const numeric = fields.filter((f) => ['number', 'integer'].includes(baseType(f.type).base));
  // Join keys: a field of both datasets with the same type.
  const joinable = main.fields.filter((f) => other.fields.some((o) => o.name === f.name && o.type === f.type));

  const [answer] = useQuery({
    query: AggregateQuery,
    variables: { q: asked?.q as SandboxQuery },
    pause: !asked,
    requestPolicy: 'network-only',
  });
  const ref = useReadyMarker<HTMLElement>(!listing && (!!list || !!listError));

  function reset(next: Partial<{ dataset: string; join: string }>) {
    if (next.dataset !== undefined) setDataset(next.dataset);
    setJoin(next.join ?? (next.dataset !== undefined ? '' : join));
    setOn('');
    setGroupBy([]);
    setMeasures([{ fn: 'COUNT', field: '' }]);
    setAsked(null);
  }
  function onAsk(e: FormEvent) {
    e.preventDefault();
    const bad = measures.findIndex((m) => m.fn !== 'COUNT' && !m.field);
    if (bad >= 0) return setProblem(t('measureNeedsField', { n: bad + 1 }));
    setProblem(null);
    const q: SandboxQuery = {
      dataset,
      measures: measures.map((m) => (m.fn === 'COUNT' ? { fn: m.fn } : { fn: m.fn, field: m.field })),
      ...(groupBy.length ? { groupBy } : {}),
      ...(join ? { join: { dataset: join, on: on || joinable[0]?.name || '' } } : {}),
    };
    setAsked({ q, dims: groupBy.map((g) => dimensions.find((d) => d.ref === g)!).filter(Boolean) });
  }
  const setMeasure = (i: number, m: Partial<Measure>) =>
    setMeasures(measures.map((x, j) => (j === i ? { ...x, ...m } : x)));

  return (
    <section ref={ref} className="page" aria-labelledby="sandbox-title">
      <h1 id="sandbox-title">{t('sandboxTitle')}</h1>
      <p className="hint">{t('sandboxIntro')}</p>
      <ApiError error={listError ?? main.error ?? other.error} />
      {!list && listing ? <Loading /> : null}
      {list && !datasets.length ? <p>{t('noDatasets')}</p> : null}
      {datasets.length ? (
        <form onSubmit={onAsk} className="form sandbox-form" aria-label={t('ask')}>
          <label>
            {t('dataset')}
            <select name="dataset" value={dataset} onChange={(e) => reset({ dataset: e.target.value })}>
              <option value="" disabled>
                {t('pickDataset')}
              </option>
              {datasets.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.title} ({d.ownerDept})
                </option>
              ))}
            </select>
          </label>
          {dataset ? (
            <>
              <label>
                {t('joinDataset')}
                <select name="join" value={join} onChange={(e) => reset({ join: e.target.value })}>
                  <option value="">{t('noJoin')}</option>
                  {datasets
                    .filter((d) => d.id !== dataset && d.ownerDept !== ownerOf(dataset))
                    .map((d) => (
                      <option key={d.id} value={d.id}>
                        {d.title} ({d.ownerDept})
                      </option>
                    ))}
                </select>
              </label>
              {join ? (
                <label>
                  {t('joinOn')}
                  <select name="on" value={on || joinable[0]?.name || ''} onChange={(e) => setOn(e.target.value)}>
                    {joinable.map((f) => (
                      <option key={f.name} value={f.name}>
                        {f.name}
                      </option>
                    ))}
                  </select>
                </label>
              ) : null}
              <fieldset>
                <legend>{t('groupBy')}</legend>
                {main.fetching || other.fetching ? <Loading /> : null}
                {!dimensions.length && !main.fetching ? <p>{t('noDimensions')}</p> : null}
                {dimensions.map((f) => (
                  <label key={f.ref} className="check">
                    <input
                      type="checkbox"
                      name="groupBy"
                      value={f.ref}
                      checked={groupBy.includes(f.ref)}
                      disabled={!groupBy.includes(f.ref) && groupBy.length >= MAX_GROUP_BY}
                      onChange={(e) =>
                        setGroupBy(e.target.checked ? [...groupBy, f.ref] : groupBy.filter((g) => g !== f.ref))
                      }
                    />
                    {f.ref}
                  </label>
                ))}
              </fieldset>
              <fieldset className="conditions">
                <legend>{t('measures')}</legend>
                {measures.map((m, i) => {
                  const n = i + 1;
                  return (
                    // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place
                    <div key={i} className="condition" data-measure={n}>
                      <label>
                        {t('measureFn', { n })}
                        <select value={m.fn} onChange={(e) => setMeasure(i, { fn: e.target.value as AggregateFn })}>
                          {FNS.map((fn) => (
                            <option key={fn} value={fn}>
                              {t(`fn${fn as 'COUNT' | 'SUM' | 'AVG'}`)}
                            </option>
                          ))}
                        </select>
                      </label>
                      {m.fn !== 'COUNT' ? (
                        <label>
                          {t('measureField', { n })}
                          <select value={m.field} onChange={(e) => setMeasure(i, { field: e.target.value })}>
                            <option value="" />
                            {numeric.map((f) => (
                              <option key={f.ref} value={f.ref}>
                                {f.ref}
                              </option>
                            ))}
                          </select>
                        </label>
                      ) : null}
                      {measures.length > 1 ? (
                        <button
                          type="button"
                          aria-label={t('removeMeasure', { n })}
                          onClick={() => setMeasures(measures.filter((_, j) => j !== i))}
                        >
                          ×
                        </button>
                      ) : null}
                    </div>
                  );
                })}
                <button type="button" onClick={() => setMeasures([...measures, { fn: 'SUM', field: '' }])}>
                  {t('addMeasure')}
                </button>
              </fieldset>
              <button type="submit" disabled={answer.fetching}>
                {t('ask')}
              </button>
            </>
          ) : null}
        </form>
      ) : null}
      <ApiError error={problem ? { code: 'BAD_USER_INPUT', message: problem } : answer.error} />
      {asked && answer.fetching ? <Loading /> : null}
      {asked && answer.data && !answer.fetching ? (
        <Answer result={answer.data.sandboxAggregate} dims={asked.dims} />
      ) : null}
    </section>
  );
}

type Result = ConsoleSandboxAggregateQuery['sandboxAggregate'];

/** Every combination of the grouped dimensions' declared values; null when one has none declared. */
function expectedKeys(dims: Field[]): Record<string, string>[] | null {
  let keys: Record<string, string>[] = [{}];
  for (const d of dims) {
    if (!d.enumValues?.length) return null;
    keys = keys.flatMap((k) => d.enumValues!.map((v) => ({ ...k, [d.ref]: String(v) })));
  }
  return keys;
}

const groupLabel = (k: Record<string, unknown>, dims: Field[], all: string) =>
  dims.length ? dims.map((d) => String(k[d.ref] ?? '')).join(' · ') : all;

const keyOf = (k: Record<string, unknown>, dims: Field[]) => JSON.stringify(dims.map((d) => String(k[d.ref] ?? '')));

function Answer({ result, dims }: { result: Result; dims: Field[] }) {
  const t = useT(consumerT);
  const exact = result.privacy.mode === 'EXACT';
  const fmt = (v: number) => v.toLocaleString(undefined, { maximumFractionDigits: 2 });
  const rows = useMemo(() => {
    const got = new Map(result.groups.map((g) => [keyOf(g.key as Record<string, unknown>, dims), g]));
    const expected = expectedKeys(dims) ?? [];
    const all = expected.map((k) => ({ key: k as Record<string, unknown>, group: got.get(keyOf(k, dims)) ?? null }));
    // Groups outside the declared values (or of a dimension without declared ones) still show.
    for (const g of result.groups)
      if (!expected.some((k) => keyOf(k, dims) === keyOf(g.key as Record<string, unknown>, dims)))
        all.push({ key: g.key as Record<string, unknown>, group: g });
    return all;
  }, [result, dims]);
  const suppressed = rows.some((r) => !r.group);
  const all = t('allRecords');
  const labelOf = (k: Record<string, unknown>) => groupLabel(k, dims, all);
  // The chart shows the first measure; memoised so it is drawn once per answer.
  const bars: Bar[] = useMemo(
    () =>
      rows.map((r) => ({
        label: groupLabel(r.key, dims, all),
        value: r.group ? (r.group.values[0] ?? null) : null,
        margin: r.group ? r.group.margins[0] : 0,
      })),
    [rows, dims, all],
  );
  const p = result.privacy;
  return (
    <div className="sandbox-answer" data-mode={p.mode}>
      <h2 id="results-title">{t('results')}</h2>
      <p className="privacy" data-privacy={p.mode}>
        {t('privacyLine', {
          mode: t(`mode${p.mode}`),
          eps: fmt(p.epsilon),
          cached: p.cached ? t('cachedNote') : '',
        })}
      </p>
      <p className="budget" data-budget-dept={p.departmentEpsilonLeft ?? ''}>
        {p.departmentEpsilonLeft != null || p.datasetEpsilonLeft != null
          ? t('budgetLeft', {
              dept: p.departmentEpsilonLeft != null ? fmt(p.departmentEpsilonLeft) : '—',
              ds: p.datasetEpsilonLeft != null ? fmt(p.datasetEpsilonLeft) : '—',
            })
          : t('budgetNone')}
      </p>
      {suppressed ? <p className="hint">{t('suppressedNote', { k: result.k })}</p> : null}
      {!result.groups.length && !rows.length ? <p>{t('noGroups', { k: result.k })}</p> : null}
      {rows.length ? (
        <>
          <table className="list sandbox-results" aria-labelledby="results-title">
            <thead>
              <tr>
                {dims.length ? (
                  dims.map((d) => (
                    <th key={d.ref} scope="col">
                      {d.ref}
                    </th>
                  ))
                ) : (
                  <th scope="col">{t('group')}</th>
                )}
                {result.measures.map((m) => (
                  <th key={m} scope="col" className="num">
                    {m}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={keyOf(r.key, dims)} data-group={labelOf(r.key)} data-suppressed={r.group ? undefined : 'true'}>
                  {dims.length ? (
                    dims.map((d) => (
                      <th key={d.ref} scope="row">
                        {String(r.key[d.ref] ?? '')}
                      </th>
                    ))
                  ) : (
                    <th scope="row">{t('allRecords')}</th>
                  )}
                  {r.group ? (
                    r.group.values.map((v, i) => (
                      // biome-ignore lint/suspicious/noArrayIndexKey: one cell per measure, in the answer's order
                      <td key={i} className="num" data-value={v ?? ''} data-margin={r.group!.margins[i]}>
                        {v === null ? '—' : fmt(v)}
                        <span className="sub">
                          {exact || !r.group!.margins[i] ? t('exact') : t('margin', { m: fmt(r.group!.margins[i]) })}
                        </span>
                      </td>
                    ))
                  ) : (
                    <td colSpan={result.measures.length} className="suppressed">
                      {t('suppressed', { k: result.k })}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
          <h2 id="chart-title">{t('chartTitle')}</h2>
          <SandboxChart
            bars={bars}
            label={t('chartLabel', { measure: result.measures[0] ?? '' })}
            suppressedLabel={t('suppressed', { k: result.k })}
          />
        </>
      ) : null}
    </div>
  );
}
