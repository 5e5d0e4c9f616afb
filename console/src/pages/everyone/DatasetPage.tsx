// One dataset's data dictionary: its fields with type, sensitivity, mask and key, its version.
import { Link, useParams } from 'react-router';
import { useQuery } from 'urql';
import { ApiError } from '../../components/ApiError.tsx';
import { Loading } from '../../components/Loading.tsx';
import { useReadyMarker } from '../../components/ready.ts';
import { graphql } from '../../gql/index.ts';
import catalogT from '../../i18n/catalog.ts';
import { useLang, useT } from '../../i18n/i18n.tsx';

const DatasetQuery = graphql(`
  query ConsoleDataset($id: ID!) {
    dataset(id: $id) {
      id
      title
      description
      tier
      ownerDept
      access
      version
      updatedAt
      recordCount
      keyFields
      fields {
        name
        title
        type
        description
        sensitivity
        mask
        isKey
        required
        indexed
        subject
        dimension
      }
      versions {
        version
        createdAt
        fields {
          name
        }
      }
    }
  }
`);

export default function DatasetPage() {
  const t = useT(catalogT);
  const { lang } = useLang();
  const { id = '' } = useParams();
  const [{ data, fetching, error }] = useQuery({ query: DatasetQuery, variables: { id } });
  const ref = useReadyMarker<HTMLElement>(!fetching && (!!data || !!error));
  const d = data?.dataset;
  return (
    <section ref={ref} className="page" aria-labelledby="dataset-title">
      <p>
        <Link to="/catalog">← {t('back')}</Link>
      </p>
      <h1 id="dataset-title">{d ? d.title : id}</h1>
      <ApiError error={error} />
      {!data && fetching ? <Loading /> : null}
      {data && !d ? <p role="alert">{t('notFound', { id })}</p> : null}
      {d ? (
        <>
          <dl className="facts">
            <dt>{t('description')}</dt>
            <dd>{d.description}</dd>
            <dt>{t('colTier')}</dt>
            <dd>
              <span className={`tier tier-${d.tier.toLowerCase()}`}>{t(`tier${d.tier}`)}</span>
            </dd>
            <dt>{t('colOwner')}</dt>
            <dd>{d.ownerDept}</dd>
            <dt>{t('colAccess')}</dt>
            <dd data-access={d.access}>{t(`access${d.access}`)}</dd>
            <dt>{t('keys')}</dt>
            <dd>{d.keyFields.join(', ')}</dd>
            <dt>{t('version')}</dt>
            <dd>
              {t('versionLine', {
                v: d.version,
                at: new Date(d.updatedAt).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en'),
              })}
            </dd>
          </dl>
          <h2 id="dictionary-title">{t('dictionary')}</h2>
          <table className="list" aria-labelledby="dictionary-title">
            <thead>
              <tr>
                <th scope="col">{t('colName')}</th>
                <th scope="col">{t('colFieldTitle')}</th>
                <th scope="col">{t('colType')}</th>
                <th scope="col">{t('colSensitivity')}</th>
                <th scope="col">{t('colMask')}</th>
                <th scope="col">{t('colFlags')}</th>
              </tr>
            </thead>
            <tbody>
              {d.fields.map((f) => (
                <tr key={f.name} data-field={f.name}>
                  <th scope="row">
                    <code>{f.name}</code>
                  </th>
                  <td>
                    {f.title}
                    {f.description ? <div className="sub">{f.description}</div> : null}
                  </td>
                  <td>{f.type}</td>
                  <td data-sensitivity={f.sensitivity}>
                    <span className={`sens sens-${f.sensitivity}`}>{t(`sensitivity${f.sensitivity}`)}</span>
                  </td>
                  <td data-mask={f.mask ?? 'none'}>{f.mask ? t(`mask${f.mask}`) : t('maskNone')}</td>
                  <td>
                    {[
                      f.isKey && t('flagKey'),
                      f.required && t('flagRequired'),
                      f.indexed && t('flagIndexed'),
                      f.subject && t('flagSubject'),
                      f.dimension && t('flagDimension'),
                    ]
                      .filter(Boolean)
                      .join(', ')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2 id="versions-title">{t('versions')}</h2>
          <table className="list" aria-labelledby="versions-title">
            <thead>
              <tr>
                <th scope="col">{t('version')}</th>
                <th scope="col">{t('colCreated')}</th>
                <th scope="col">{t('colChanges')}</th>
              </tr>
            </thead>
            <tbody>
              {[...d.versions]
                .sort((x, y) => y.version - x.version)
                .map((v, i, all) => {
                  // What this version added and dropped against the one before it (the list is newest first).
                  const before = new Set(all[i + 1]?.fields.map((f) => f.name) ?? []);
                  const now = new Set(v.fields.map((f) => f.name));
                  const added = [...now].filter((n) => all[i + 1] && !before.has(n));
                  const dropped = [...before].filter((n) => !now.has(n));
                  return (
                    <tr key={v.version} data-version={v.version}>
                      <th scope="row">{v.version}</th>
                      <td>{new Date(v.createdAt).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en')}</td>
                      <td>
                        {!all[i + 1]
                          ? t('firstVersion', { n: now.size })
                          : [
                              added.length ? t('fieldsAdded', { f: added.join(', ') }) : '',
                              dropped.length ? t('fieldsDropped', { f: dropped.join(', ') }) : '',
                            ]
                              .filter(Boolean)
                              .join('; ') || t('fieldsUnchanged')}
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
