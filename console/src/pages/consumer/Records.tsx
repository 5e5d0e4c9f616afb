// Query one dataset's records as the caller may read them: pick the fields, filter by the data
// dictionary's types, page with the API's cursors (one page in memory), see which fields are masked
// and why, and export the page shown as CSV.
import { type FormEvent, useMemo, useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { useQuery } from 'urql';
import { ApiError } from '../../components/ApiError.tsx';
import { Loading } from '../../components/Loading.tsx';
import { useReadyMarker } from '../../components/ready.ts';
import { graphql } from '../../gql/index.ts';
import type { RecordFilter } from '../../gql/graphql.ts';
import consumerT from '../../i18n/consumer.ts';
import { useT } from '../../i18n/i18n.tsx';
import { cellText, downloadCsv, pageCsv } from './csv.ts';
import { type Condition, type DictField, operatorsFor, toRecordFilter, valueKind } from './filter.ts';

const PAGE_SIZE = 50;

const DatasetsQuery = graphql(`
  query ConsoleRecordsDatasets {
    datasets(first: 100) {
      nodes {
        id
        title
        access
      }
    }
  }
`);

const DictionaryQuery = graphql(`
  query ConsoleRecordsDictionary($id: ID!) {
    dataset(id: $id) {
      id
      title
      access
      fields {
        name
        title
        type
        format
        enumValues
        sensitivity
        mask
        indexed
      }
    }
  }
`);

const RecordsQuery = graphql(`
  query ConsoleRecords($dataset: ID!, $fields: [String!], $where: RecordFilter, $after: String, $first: Int) {
    records(dataset: $dataset, fields: $fields, where: $where, first: $first, after: $after) {
      totalCount
      accessBasis
      grantId
      datasetVersion
      maskedFields {
        field
        style
      }
      pageInfo {
        endCursor
        hasNextPage
      }
      nodes {
        key
        data
      }
    }
  }
`);

export default function Records() {
  const t = useT(consumerT);
  const { id } = useParams();
  const navigate = useNavigate();
  const [{ data: list, fetching: listing, error: listError }] = useQuery({ query: DatasetsQuery });
  const datasets = (list?.datasets.nodes ?? []).filter((d) => d.access !== 'NONE');
  const ready = !!id || (!listing && (!!list || !!listError));
  const ref = useReadyMarker<HTMLElement>(ready && !id);
  return (
    <section ref={id ? undefined : ref} className="page" aria-labelledby="records-title">
      <h1 id="records-title">{t('recordsTitle')}</h1>
      <ApiError error={listError} />
      <label className="dataset-pick">
        {t('dataset')}
        <select
          name="dataset"
          value={id ?? ''}
          onChange={(e) => navigate(`/catalog/${encodeURIComponent(e.target.value)}/records`)}
        >
          <option value="" disabled>
            {t('pickDataset')}
          </option>
          {id && !datasets.some((d) => d.id === id) ? <option value={id}>{id}</option> : null}
          {datasets.map((d) => (
            <option key={d.id} value={d.id}>
              {d.title}
            </option>
          ))}
        </select>
      </label>
      {!list && listing ? <Loading /> : null}
      {list && !datasets.length ? <p>{t('noDatasets')}</p> : null}
      {/* A new dataset starts afresh: its own fields, filters and first page. */}
      {id ? <DatasetRecords key={id} id={id} /> : null}
    </section>
  );
}

interface Applied {
  fields: string[] | null;
  where: RecordFilter | null;
}

function DatasetRecords({ id }: { id: string }) {
  const t = useT(consumerT);
  const [{ data: dict, fetching: dictFetching, error: dictError }] = useQuery({
    query: DictionaryQuery,
    variables: { id },
  });
  const fields: (DictField & { sensitivity: string; mask?: string | null })[] = dict?.dataset?.fields ?? [];
  const [picked, setPicked] = useState<string[] | null>(null); // null: everything readable
  const [conditions, setConditions] = useState<Condition[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [applied, setApplied] = useState<Applied>({ fields: null, where: null });
  // The cursors of the pages before this one: "previous" goes back without keeping their rows.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors[cursors.length - 1];
  const [{ data, fetching, error }] = useQuery({
    query: RecordsQuery,
    variables: { dataset: id, fields: applied.fields, where: applied.where, after, first: PAGE_SIZE },
    pause: !dict?.dataset,
  });
  const page = data?.records;
  const ref = useReadyMarker<HTMLDivElement>(
    (!dictFetching && (!!dictError || (!!dict && !dict.dataset))) || (!fetching && (!!data || !!error)),
  );
  const masked = new Map((page?.maskedFields ?? []).map((m) => [m.field, m.style]));
  const columns = useMemo(() => {
    const asked = applied.fields ?? fields.map((f) => f.name);
    const seen = new Set((page?.nodes ?? []).flatMap((n) => Object.keys(n.data as object)));
    // Without rows, the columns asked for; with rows, the ones the API returned (a grant may hold fewer).
    return seen.size ? asked.filter((f) => seen.has(f)) : asked;
  }, [applied.fields, fields, page]);
  const byName = new Map(fields.map((f) => [f.name, f]));

  function onRun(e: FormEvent) {
    e.preventDefault();
    const built = toRecordFilter(conditions, fields);
    if ('problem' in built) {
      const { n, field, rule } = built.problem;
      return setProblem(t(rule === 'value-number' ? 'valueNumber' : 'valueRequired', { n, field }));
    }
    setProblem(null);
    setApplied({ fields: picked, where: built.where });
    setCursors([null]);
  }
  function exportPage() {
    if (!page) return;
    const rows = page.nodes.map((n) => n.data as Record<string, unknown>);
    downloadCsv(`${id}-page-${cursors.length}.csv`, pageCsv(columns, rows));
  }
  const setCondition = (i: number, c: Partial<Condition>) =>
    setConditions(conditions.map((x, j) => (j === i ? { ...x, ...c } : x)));
  const filterable = fields.filter((f) => !masked.has(f.name));

  if (!dict && dictFetching)
    return (
      <div ref={ref}>
        <Loading />
      </div>
    );
  if (dictError || !dict?.dataset)
    return (
      <div ref={ref}>
        <ApiError error={dictError ?? { code: 'NOT_FOUND', message: id }} />
      </div>
    );
  const d = dict.dataset;
  return (
    <div ref={ref}>
      <form onSubmit={onRun} className="records-query" aria-label={t('run')}>
        <fieldset>
          <legend>{t('fieldsLegend')}</legend>
          <label className="check">
            <input
              type="checkbox"
              checked={picked === null}
              onChange={(e) => setPicked(e.target.checked ? null : [])}
            />
            {t('allFields')}
          </label>
          {fields.map((f) => (
            <label key={f.name} className="check">
              <input
                type="checkbox"
                name="field"
                value={f.name}
                checked={picked === null || picked.includes(f.name)}
                onChange={(e) => {
                  const base = picked ?? fields.map((x) => x.name);
                  setPicked(e.target.checked ? [...base, f.name] : base.filter((n) => n !== f.name));
                }}
              />
              {f.name}
            </label>
          ))}
        </fieldset>
        <fieldset className="conditions">
          <legend>{t('filterLegend')}</legend>
          {conditions.map((c, i) => {
            const f = byName.get(c.field);
            const n = i + 1;
            return (
              // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place; removing re-keys the rest
              <div key={i} className="condition" data-condition={n}>
                <label>
                  {t('filterField')} {n}
                  <select
                    value={c.field}
                    onChange={(e) => {
                      const nf = byName.get(e.target.value);
                      setCondition(i, { field: e.target.value, op: nf ? operatorsFor(nf)[0] : 'eq', value: '' });
                    }}
                  >
                    {fields.map((x) => (
                      <option key={x.name} value={x.name} disabled={masked.has(x.name)}>
                        {masked.has(x.name) ? t('maskedOption', { field: x.name }) : `${x.name} · ${x.title ?? ''}`}
                      </option>
                    ))}
                  </select>
                </label>
                {f ? (
                  <>
                    <label>
                      {t('filterOp')} {n}
                      <select
                        value={c.op}
                        onChange={(e) =>
                          setCondition(i, {
                            op: e.target.value as Condition['op'],
                            value: c.op === 'isNull' ? '' : c.value,
                          })
                        }
                      >
                        {operatorsFor(f).map((op) => (
                          <option key={op} value={op}>
                            {t(`op${op}`)}
                          </option>
                        ))}
                      </select>
                    </label>
                    <ValueInput f={f} c={c} n={n} onChange={(value) => setCondition(i, { value })} />
                    <button
                      type="button"
                      aria-label={t('removeFilter', { n })}
                      onClick={() => setConditions(conditions.filter((_, j) => j !== i))}
                    >
                      ×
                    </button>
                    {!f.indexed ? <p className="hint">{t('scanWarning', { field: f.name })}</p> : null}
                  </>
                ) : null}
              </div>
            );
          })}
          <button
            type="button"
            disabled={!filterable.length}
            onClick={() => {
              const f = filterable[0];
              if (f) setConditions([...conditions, { field: f.name, op: operatorsFor(f)[0], value: '' }]);
            }}
          >
            {t('addFilter')}
          </button>
        </fieldset>
        <button type="submit">{t('run')}</button>
      </form>
      <ApiError error={problem ? { code: 'BAD_USER_INPUT', message: problem } : error} />
      {!data && fetching ? <Loading /> : null}
      {page ? (
        <>
          <dl className="facts access-facts">
            <dt>{t('accessLine')}</dt>
            <dd data-access={d.access} data-basis={page.accessBasis}>
              {t(`access${d.access}`)} ·{' '}
              {page.accessBasis === 'grant'
                ? t('basisgrant', { grant: page.grantId ?? '' })
                : t(`basis${page.accessBasis as 'owner' | 'public' | 'internal'}`)}{' '}
              · {t('datasetVersion', { v: page.datasetVersion })}
            </dd>
          </dl>
          <MaskedLegend
            masked={page.maskedFields}
            basis={page.accessBasis}
            sensitivity={(name) => byName.get(name) as { sensitivity: string } | undefined}
          />
          <p role="status" className="count">
            {page.totalCount !== null && page.totalCount !== undefined
              ? t('total', { n: page.totalCount, page: cursors.length, size: PAGE_SIZE })
              : t('pageOf', { page: cursors.length, size: PAGE_SIZE })}
          </p>
          <div className="pager">
            <button
              type="button"
              disabled={cursors.length < 2 || fetching}
              onClick={() => setCursors(cursors.slice(0, -1))}
            >
              {t('prev')}
            </button>
            <button
              type="button"
              disabled={!page.pageInfo.hasNextPage || fetching}
              onClick={() => setCursors([...cursors, page.pageInfo.endCursor ?? null])}
            >
              {t('next')}
            </button>
            <button type="button" disabled={!page.nodes.length} onClick={exportPage}>
              {t('exportCsv')}
            </button>
          </div>
          {page.nodes.length ? (
            <div className="table-scroll">
              <table className="list records" aria-labelledby="records-title" data-page={cursors.length}>
                <thead>
                  <tr>
                    {columns.map((c) => (
                      <th key={c} scope="col" data-column={c} data-masked={masked.get(c)}>
                        {c}
                        {masked.has(c) ? (
                          <span className="masked-mark">
                            {' '}
                            ※ {t('maskedMark')} ({t(`style${masked.get(c)!}`)})
                          </span>
                        ) : null}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {page.nodes.map((n) => {
                    const row = n.data as Record<string, unknown>;
                    return (
                      <tr key={n.key} data-key={n.key}>
                        {columns.map((c) => (
                          <td key={c} className={masked.has(c) ? 'masked' : undefined}>
                            {cellText(row[c])}
                          </td>
                        ))}
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          ) : (
            <p>{t('noRecords')}</p>
          )}
        </>
      ) : null}
    </div>
  );
}

function ValueInput({ f, c, n, onChange }: { f: DictField; c: Condition; n: number; onChange(v: string): void }) {
  const t = useT(consumerT);
  const kind = valueKind(f);
  if (c.op === 'isNull' || kind === 'boolean')
    return (
      <label>
        {t('filterValue')} {n}
        <select value={c.value || 'true'} onChange={(e) => onChange(e.target.value)}>
          <option value="true">{t('yes')}</option>
          <option value="false">{t('no')}</option>
        </select>
      </label>
    );
  if (kind === 'enum' && c.op !== 'in')
    return (
      <label>
        {t('filterValue')} {n}
        <select value={c.value} onChange={(e) => onChange(e.target.value)}>
          <option value="" />
          {f.enumValues?.map(String).map((v) => (
            <option key={v} value={v}>
              {v}
            </option>
          ))}
        </select>
      </label>
    );
  const type =
    c.op === 'in'
      ? 'text'
      : kind === 'number'
        ? 'number'
        : kind === 'date'
          ? 'date'
          : kind === 'datetime'
            ? 'datetime-local'
            : 'text';
  return (
    <label>
      {c.op === 'in' ? t('filterValues') : t('filterValue')} {n}
      <input
        type={type}
        value={c.value}
        step={kind === 'number' ? 'any' : undefined}
        onChange={(e) => onChange(e.target.value)}
      />
      {kind === 'enum' ? <span className="sub">{f.enumValues?.join(', ')}</span> : null}
    </label>
  );
}

function MaskedLegend({
  masked,
  basis,
  sensitivity,
}: {
  masked: { field: string; style: string }[];
  basis: string;
  sensitivity(name: string): { sensitivity: string } | undefined;
}) {
  const t = useT(consumerT);
  if (!masked.length) return null;
  const why = basis === 'grant' || basis === 'internal' ? t(`why${basis}`) : '';
  return (
    <section className="masked-legend" aria-labelledby="masked-title">
      <h2 id="masked-title">{t('maskedTitle')}</h2>
      <ul>
        {masked.map((m) => {
          const sens = sensitivity(m.field)?.sensitivity;
          return (
            <li key={m.field} data-masked-field={m.field} data-style={m.style}>
              {t('maskedLine', {
                field: m.field,
                style: t(`style${m.style as 'partial' | 'hash' | 'redact'}`),
                why,
                sens: sens ? t(`sensitivity${sens as 'public' | 'personal' | 'sensitive'}`) : '—',
              })}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
