// Admins manage grants (a department's right to read listed fields of a RESTRICTED dataset): the list by
// state (active, revoked, expired), a new grant, revoking one with a reason; and revoking a token by jti.
import { type FormEvent, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { ApiError } from '../../components/ApiError.tsx';
import { Loading } from '../../components/Loading.tsx';
import { useReadyMarker } from '../../components/ready.ts';
import { graphql } from '../../gql/index.ts';
import type { ConsoleGrantsQuery } from '../../gql/graphql.ts';
import adminT from '../../i18n/admin.ts';
import { useLang, useT } from '../../i18n/i18n.tsx';

const GrantsQuery = graphql(`
  query ConsoleGrants {
    grants(activeOnly: false) {
      id
      datasetId
      granteeDept
      fields
      unmaskedFields
      purpose
      expiresAt
      createdAt
      createdBy
      revokedAt
      active
    }
    departments {
      code
      nameZh
      nameEn
    }
  }
`);

// The datasets a grant can be on (RESTRICTED), apart: the form's problem does not hide the list.
const DatasetsQuery = graphql(`
  query ConsoleGrantDatasets {
    datasets(filter: { tier: RESTRICTED }, first: 50) {
      nodes {
        id
        title
        ownerDept
        fields {
          name
          title
        }
      }
    }
  }
`);

const CreateMutation = graphql(`
  mutation ConsoleCreateGrant($input: CreateGrantInput!) {
    createGrant(input: $input) {
      id
      datasetId
      granteeDept
      fields
      unmaskedFields
      purpose
      expiresAt
      createdAt
      createdBy
      revokedAt
      active
    }
  }
`);

const RevokeMutation = graphql(`
  mutation ConsoleRevokeGrant($id: ID!, $reason: String!) {
    revokeGrant(id: $id, reason: $reason) {
      id
      revokedAt
      active
    }
  }
`);

const RevokeTokenMutation = graphql(`
  mutation ConsoleRevokeToken($jti: String!, $reason: String!) {
    revokeToken(jti: $jti, reason: $reason)
  }
`);

type Grant = ConsoleGrantsQuery['grants'][number];
type State = 'active' | 'revoked' | 'expired';
const stateOf = (g: Grant): State => (g.revokedAt ? 'revoked' : g.active ? 'active' : 'expired');
const STATE_CLASS: Record<State, string> = { active: 'green', revoked: 'red', expired: 'closed' };
const inDays = (n: number) => {
  const d = new Date();
  d.setDate(d.getDate() + n);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};
/** The grant runs to the end of the picked local day. */
const endOfDay = (day: string) => {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y, m - 1, d + 1).toISOString();
};

export default function Grants() {
  const t = useT(adminT);
  const { lang } = useLang();
  const [params, setParams] = useSearchParams();
  const show = (params.get('show') ?? 'all') as State | 'all';
  const [{ data, fetching, error }] = useQuery({ query: GrantsQuery });
  const ref = useReadyMarker<HTMLElement>(!fetching && (!!data || !!error));
  // Newest first: the grant just made is at the top.
  const rows = (data?.grants ?? [])
    .filter((g) => show === 'all' || stateOf(g) === show)
    .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
  const deptName = (code: string) => {
    const d = data?.departments.find((x) => x.code === code);
    return d ? (lang === 'zh' ? d.nameZh : d.nameEn) : code;
  };

  return (
    <section ref={ref} className="page" aria-labelledby="grants-title">
      <h1 id="grants-title">{t('grantsTitle')}</h1>
      <ApiError error={error} />
      {!data && fetching ? <Loading /> : null}
      {data ? (
        <>
          <h2 id="grants-list">{t('grantsList')}</h2>
          <div className="filters">
            <label>
              {t('showGrants')}
              <select
                value={show}
                onChange={(e) => setParams(e.target.value === 'all' ? {} : { show: e.target.value })}
              >
                <option value="all">{t('showAll')}</option>
                <option value="active">{t('showActive')}</option>
                <option value="revoked">{t('showRevoked')}</option>
                <option value="expired">{t('showExpired')}</option>
              </select>
            </label>
          </div>
          <p role="status" className="count">
            {t('grantCount', { n: rows.length })}
          </p>
          {rows.length ? (
            <div className="table-scroll">
              <table className="list" aria-labelledby="grants-list">
                <thead>
                  <tr>
                    <th scope="col">{t('colGrant')}</th>
                    <th scope="col">{t('colDataset')}</th>
                    <th scope="col">{t('colGrantee')}</th>
                    <th scope="col">{t('colFields')}</th>
                    <th scope="col">{t('colUnmasked')}</th>
                    <th scope="col">{t('colPurpose')}</th>
                    <th scope="col">{t('colExpires')}</th>
                    <th scope="col">{t('colState')}</th>
                    <th scope="col">{t('colAction')}</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((g) => (
                    <GrantRow key={g.id} grant={g} deptName={deptName} />
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <p>{t('noGrants')}</p>
          )}
          <CreateGrant departments={data.departments} deptName={deptName} />
          <RevokeToken />
        </>
      ) : null}
    </section>
  );
}

function GrantRow({ grant: g, deptName }: { grant: Grant; deptName: (c: string) => string }) {
  const t = useT(adminT);
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [revoking, revoke] = useMutation(RevokeMutation);
  const state = stateOf(g);
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!reason.trim()) return;
    const r = await revoke({ id: g.id, reason: reason.trim() });
    if (!r.error) setOpen(false);
  }
  return (
    <tr data-grant={g.id} data-state={state}>
      <td>
        {g.id}
        <span className="sub">{g.createdBy}</span>
      </td>
      <td>{g.datasetId}</td>
      <td>{deptName(g.granteeDept)}</td>
      <td>{g.fields.join(', ')}</td>
      <td>{g.unmaskedFields.length ? g.unmaskedFields.join(', ') : '—'}</td>
      <td>{g.purpose}</td>
      <td>{new Date(g.expiresAt).toLocaleString()}</td>
      <td>
        <span className={`deadline deadline-${STATE_CLASS[state]}`}>
          <span className="dot" aria-hidden="true" />
          {t(`state${state === 'active' ? 'Active' : state === 'revoked' ? 'Revoked' : 'Expired'}`)}
        </span>
        {g.revokedAt ? (
          <span className="sub">{t('revokedAt', { at: new Date(g.revokedAt).toLocaleString() })}</span>
        ) : null}
      </td>
      <td>
        {state === 'active' && !open ? (
          <button type="button" onClick={() => setOpen(true)} aria-label={t('revokeGrantTitle', { id: g.id })}>
            {t('revoke')}
          </button>
        ) : null}
        {open ? (
          <form onSubmit={submit} className="form" aria-label={t('revokeGrantTitle', { id: g.id })}>
            <label>
              {t('revokeReason')}
              <textarea required value={reason} onChange={(e) => setReason(e.target.value)} rows={2} />
            </label>
            <ApiError error={revoking.error} />
            <div className="filters">
              <button type="submit" disabled={revoking.fetching || !reason.trim()}>
                {t('confirmRevoke')}
              </button>
              <button type="button" onClick={() => setOpen(false)}>
                {t('cancel')}
              </button>
            </div>
          </form>
        ) : null}
      </td>
    </tr>
  );
}

function CreateGrant({
  departments,
  deptName,
}: {
  departments: ConsoleGrantsQuery['departments'];
  deptName: (c: string) => string;
}) {
  const t = useT(adminT);
  const [listed] = useQuery({ query: DatasetsQuery });
  const datasets = useMemo(() => listed.data?.datasets.nodes ?? [], [listed.data]);
  const [creating, create] = useMutation(CreateMutation);
  const [form, setForm] = useState({ datasetId: '', granteeDept: '', purpose: '', expires: inDays(30) });
  const [fields, setFields] = useState<string[]>([]);
  const [unmasked, setUnmasked] = useState<string[]>([]);
  const [problem, setProblem] = useState('');
  const dataset = useMemo(() => datasets.find((d) => d.id === form.datasetId), [datasets, form.datasetId]);
  const toggle = (list: string[], set: (v: string[]) => void, name: string, on: boolean) =>
    set(on ? [...list, name] : list.filter((x) => x !== name));

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!fields.length) return setProblem(t('needFields'));
    setProblem('');
    const r = await create({
      input: {
        datasetId: form.datasetId,
        granteeDept: form.granteeDept,
        fields,
        unmaskedFields: unmasked.filter((f) => fields.includes(f)),
        purpose: form.purpose.trim(),
        expiresAt: endOfDay(form.expires),
      },
    });
    if (!r.error) {
      setFields([]);
      setUnmasked([]);
      setForm({ ...form, purpose: '' });
    }
  }
  const made = creating.data?.createGrant;
  return (
    <>
      <h2 id="create-title">{t('createTitle')}</h2>
      <ApiError error={listed.error} />
      <form className="form" onSubmit={submit} aria-labelledby="create-title">
        <label>
          {t('dataset')}
          <select
            required
            value={form.datasetId}
            onChange={(e) => {
              setForm({ ...form, datasetId: e.target.value });
              setFields([]);
              setUnmasked([]);
            }}
          >
            <option value="">{t('pickDataset')}</option>
            {datasets.map((d) => (
              <option key={d.id} value={d.id}>
                {d.title} ({d.id}, {deptName(d.ownerDept)})
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('grantee')}
          <select required value={form.granteeDept} onChange={(e) => setForm({ ...form, granteeDept: e.target.value })}>
            <option value="">{t('pickDept')}</option>
            {departments
              .filter((d) => d.code !== dataset?.ownerDept)
              .map((d) => (
                <option key={d.code} value={d.code}>
                  {deptName(d.code)} ({d.code})
                </option>
              ))}
          </select>
        </label>
        {dataset ? (
          <>
            <fieldset>
              <legend>{t('fields')}</legend>
              {dataset.fields.map((f) => (
                <label key={f.name} className="check">
                  <input
                    type="checkbox"
                    checked={fields.includes(f.name)}
                    onChange={(e) => toggle(fields, setFields, f.name, e.target.checked)}
                  />
                  {f.name}
                  {f.title && f.title !== f.name ? <span className="sub">{f.title}</span> : null}
                </label>
              ))}
            </fieldset>
            <fieldset>
              <legend>{t('unmasked')}</legend>
              {dataset.fields
                .filter((f) => fields.includes(f.name))
                .map((f) => (
                  <label key={f.name} className="check">
                    <input
                      type="checkbox"
                      checked={unmasked.includes(f.name)}
                      onChange={(e) => toggle(unmasked, setUnmasked, f.name, e.target.checked)}
                    />
                    {f.name}
                  </label>
                ))}
            </fieldset>
          </>
        ) : null}
        <label>
          {t('purpose')}
          <input required value={form.purpose} onChange={(e) => setForm({ ...form, purpose: e.target.value })} />
        </label>
        <label>
          {t('expiresAt')}
          <input
            type="date"
            required
            min={inDays(1)}
            value={form.expires}
            onChange={(e) => setForm({ ...form, expires: e.target.value })}
          />
        </label>
        {problem ? (
          <p role="alert" className="api-error">
            {problem}
          </p>
        ) : null}
        <ApiError error={creating.error} />
        <button type="submit" disabled={creating.fetching}>
          {t('create')}
        </button>
        {made ? (
          <p role="status" className="outcome" data-created={made.id}>
            {t('created', { id: made.id })}
          </p>
        ) : null}
      </form>
    </>
  );
}

function RevokeToken() {
  const t = useT(adminT);
  const [revoking, revoke] = useMutation(RevokeTokenMutation);
  const [jti, setJti] = useState('');
  const [reason, setReason] = useState('');
  const [done, setDone] = useState('');
  async function submit(e: FormEvent) {
    e.preventDefault();
    const r = await revoke({ jti: jti.trim(), reason: reason.trim() });
    if (!r.error && r.data?.revokeToken) {
      setDone(jti.trim());
      setJti('');
      setReason('');
    }
  }
  return (
    <>
      <h2 id="token-title">{t('tokenTitle')}</h2>
      <p className="note">{t('tokenHint')}</p>
      <form className="form" onSubmit={submit} aria-labelledby="token-title">
        <label>
          {t('jti')}
          <input required value={jti} onChange={(e) => setJti(e.target.value)} autoComplete="off" />
        </label>
        <label>
          {t('tokenReason')}
          <input required value={reason} onChange={(e) => setReason(e.target.value)} />
        </label>
        <ApiError error={revoking.error} />
        <button type="submit" disabled={revoking.fetching || !jti.trim() || !reason.trim()}>
          {t('revokeToken')}
        </button>
        {done ? (
          <p role="status" className="outcome" data-token-revoked={done}>
            {t('tokenRevoked', { jti: done })}
          </p>
        ) : null}
      </form>
    </>
  );
}
