// The catalog: every department's datasets, searchable by title, department, tier and field name,
// each with what the signed-in caller may do with it. Filters live in the address (shareable).
import { type FormEvent, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useQuery } from 'urql';
import { ApiError } from '../../components/ApiError.tsx';
import { Loading } from '../../components/Loading.tsx';
import { useReadyMarker } from '../../components/ready.ts';
import { graphql } from '../../gql/index.ts';
import type { Tier } from '../../gql/graphql.ts';
import catalogT from '../../i18n/catalog.ts';
import { useLang, useT } from '../../i18n/i18n.tsx';

const CatalogQuery = graphql(`
  query ConsoleCatalog($filter: DatasetFilter, $after: String) {
    departments {
      code
      nameZh
      nameEn
    }
    datasets(filter: $filter, first: 50, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        id
        title
        tier
        ownerDept
        access
        recordCount
        fields {
          name
          title
        }
      }
    }
  }
`);

const TIERS: Tier[] = ['PUBLIC', 'INTERNAL', 'RESTRICTED', 'SECRET'];

export default function Catalog() {
  const t = useT(catalogT);
  const { lang } = useLang();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const dept = params.get('dept') ?? '';
  const tier = (params.get('tier') ?? '') as Tier | '';
  const field = params.get('field') ?? '';
  const after = params.get('after') ?? undefined;
  const [form, setForm] = useState({ q, dept, tier, field });
  const [{ data, fetching, error }] = useQuery({
    query: CatalogQuery,
    variables: {
      filter: {
        ...(q ? { search: q } : {}),
        ...(dept ? { ownerDept: dept } : {}),
        ...(tier ? { tier } : {}),
        ...(field.trim() ? { field: field.trim() } : {}),
      },
      after,
    },
  });
  const ref = useReadyMarker<HTMLElement>(!fetching && (!!data || !!error));

  function apply(e: FormEvent) {
    e.preventDefault();
    setParams(Object.fromEntries(Object.entries(form).filter(([, v]) => v)));
  }

  // Every filter, the field name too, is the API's: pages and counts stay right past the first page.
  const nodes = data?.datasets.nodes ?? [];
  const deptName = (code: string) => {
    const d = data?.departments.find((x) => x.code === code);
    return d ? (lang === 'zh' ? d.nameZh : d.nameEn) : code;
  };

  return (
    <section ref={ref} className="page" aria-labelledby="catalog-title">
      <h1 id="catalog-title">{t('title')}</h1>
      <form className="filters" onSubmit={apply} aria-label={t('filters')}>
        <label>
          {t('search')}
          <input type="search" name="q" value={form.q} onChange={(e) => setForm({ ...form, q: e.target.value })} />
        </label>
        <label>
          {t('department')}
          <select name="dept" value={form.dept} onChange={(e) => setForm({ ...form, dept: e.target.value })}>
            <option value="">{t('anyDepartment')}</option>
            {(data?.departments ?? []).map((d) => (
              <option key={d.code} value={d.code}>
                {d.code} · {lang === 'zh' ? d.nameZh : d.nameEn}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('tier')}
          <select name="tier" value={form.tier} onChange={(e) => setForm({ ...form, tier: e.target.value as Tier })}>
            <option value="">{t('anyTier')}</option>
            {TIERS.map((x) => (
              <option key={x} value={x}>
                {t(`tier${x}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('field')}
          <input name="field" value={form.field} onChange={(e) => setForm({ ...form, field: e.target.value })} />
        </label>
        <button type="submit">{t('apply')}</button>
        <button
          type="button"
          onClick={() => {
            setForm({ q: '', dept: '', tier: '', field: '' });
            setParams({});
          }}
        >
          {t('reset')}
        </button>
      </form>
      <ApiError error={error} />
      {!data && fetching ? <Loading /> : null}
      {data ? (
        <>
          <p role="status" className="count">
            {t('count', { n: data.datasets.totalCount })}
          </p>
          <table className="list" aria-labelledby="catalog-title">
            <thead>
              <tr>
                <th scope="col">{t('colTitle')}</th>
                <th scope="col">{t('colTier')}</th>
                <th scope="col">{t('colOwner')}</th>
                <th scope="col">{t('colAccess')}</th>
                <th scope="col" className="num">
                  {t('colRecords')}
                </th>
              </tr>
            </thead>
            <tbody>
              {nodes.map((d) => (
                <tr key={d.id} data-dataset={d.id}>
                  <td>
                    <Link to={`/catalog/${encodeURIComponent(d.id)}`}>{d.title}</Link>
                    <div className="sub">{d.id}</div>
                  </td>
                  <td>
                    <span className={`tier tier-${d.tier.toLowerCase()}`}>{t(`tier${d.tier}`)}</span>
                  </td>
                  <td>
                    {d.ownerDept} · {deptName(d.ownerDept)}
                  </td>
                  <td data-access={d.access}>{t(`access${d.access}`)}</td>
                  <td className="num">{d.recordCount.toLocaleString(lang === 'zh' ? 'zh-CN' : 'en')}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {data.datasets.pageInfo.hasNextPage && data.datasets.pageInfo.endCursor ? (
            <button
              type="button"
              onClick={() => setParams({ ...Object.fromEntries(params), after: data.datasets.pageInfo.endCursor! })}
            >
              {t('more')}
            </button>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
