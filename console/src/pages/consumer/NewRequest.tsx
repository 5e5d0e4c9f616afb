// File an access request on another department's RESTRICTED dataset: purpose, legal basis, the fields
// (and those wanted unmasked) picked from its data dictionary, a duration. The fields are checked
// against the dictionary as the form changes; problems are shown beside the field they name.
import { type FormEvent, useMemo, useState } from 'react';
import { useNavigate } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { ApiError } from '../../components/ApiError.tsx';
import { Loading } from '../../components/Loading.tsx';
import { useReadyMarker } from '../../components/ready.ts';
import { useSession } from '../../auth/session.tsx';
import { graphql } from '../../gql/index.ts';
import type { DeclaredFieldInput, DeclaredFieldType } from '../../gql/graphql.ts';
import consumerT from '../../i18n/consumer.ts';
import { useT } from '../../i18n/i18n.tsx';
import { baseType } from './filter.ts';

const RestrictedQuery = graphql(`
  query ConsoleRequestDatasets {
    datasets(filter: { tier: RESTRICTED }, first: 100) {
      nodes {
        id
        title
        ownerDept
      }
    }
  }
`);

const DictionaryQuery = graphql(`
  query ConsoleRequestDictionary($id: ID!) {
    dataset(id: $id) {
      id
      fields {
        name
        title
        type
        format
        sensitivity
        mask
      }
    }
  }
`);

const CheckQuery = graphql(`
  query ConsoleCheckRequestFields($dataset: ID!, $fields: [DeclaredFieldInput!]!, $unmasked: [String!]) {
    checkAccessRequestFields(dataset: $dataset, fields: $fields, unmaskedFields: $unmasked) {
      ok
      problems {
        field
        rule
        severity
        message
        suggestions
      }
    }
  }
`);

const FileMutation = graphql(`
  mutation ConsoleFileAccessRequest($key: String!, $input: FileAccessRequestInput!) {
    fileAccessRequest(idempotencyKey: $key, input: $input) {
      id
      status
      deadline
      assignee
    }
  }
`);

const DECLARED: DeclaredFieldType[] = ['boolean', 'integer', 'number', 'string'];

export default function NewRequest() {
  const t = useT(consumerT);
  const { session } = useSession();
  const [{ data, fetching, error }] = useQuery({ query: RestrictedQuery });
  const ref = useReadyMarker<HTMLElement>(!fetching && (!!data || !!error));
  // Another department's only: one's own data needs no request.
  const datasets = (data?.datasets.nodes ?? []).filter((d) => d.ownerDept !== session?.dept);
  const [dataset, setDataset] = useState('');
  return (
    <section ref={ref} className="page" aria-labelledby="new-request-title">
      <h1 id="new-request-title">{t('newTitle')}</h1>
      <p className="hint">{t('restrictedOnly')}</p>
      <ApiError error={error} />
      {!data && fetching ? <Loading /> : null}
      {data && !datasets.length ? <p>{t('noDatasets')}</p> : null}
      {datasets.length ? (
        <label>
          {t('dataset')}
          <select name="dataset" value={dataset} onChange={(e) => setDataset(e.target.value)}>
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
      ) : null}
      {dataset ? <RequestForm key={dataset} dataset={dataset} /> : null}
    </section>
  );
}

function RequestForm({ dataset }: { dataset: string }) {
  const t = useT(consumerT);
  const navigate = useNavigate();
  const [{ data, fetching, error }] = useQuery({ query: DictionaryQuery, variables: { id: dataset } });
  const dict = data?.dataset?.fields ?? [];
  const [purpose, setPurpose] = useState('');
  const [legalBasis, setLegalBasis] = useState('');
  const [fields, setFields] = useState<string[]>([]);
  const [unmasked, setUnmasked] = useState<string[]>([]);
  const [days, setDays] = useState(30);
  const [localError, setLocalError] = useState<string | null>(null);
  // One key per form: a retried submit (a lost answer) files once.
  const key = useMemo(() => crypto.randomUUID(), []);
  const declared: DeclaredFieldInput[] = useMemo(
    () =>
      fields.map((name) => {
        const f = dict.find((x) => x.name === name);
        const base = f ? (baseType(f.type).base as DeclaredFieldType) : undefined;
        return {
          name,
          ...(base && DECLARED.includes(base) ? { type: base } : {}),
          ...(f?.format ? { format: f.format } : {}),
        };
      }),
    [fields, dict],
  );
  const wantUnmasked = unmasked.filter((u) => fields.includes(u));
  const [check] = useQuery({
    query: CheckQuery,
    variables: { dataset, fields: declared, unmasked: wantUnmasked },
    pause: !declared.length,
  });
  const [filed, file] = useMutation(FileMutation);
  const problemsOf = (name: string) =>
    check.data?.checkAccessRequestFields.problems.filter((p) => p.field === name) ?? [];
  const otherProblems =
    check.data?.checkAccessRequestFields.problems.filter((p) => !dict.some((f) => f.name === p.field)) ?? [];
  const toggle = (list: string[], name: string, on: boolean) =>
    on ? [...list.filter((n) => n !== name), name] : list.filter((n) => n !== name);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!fields.length) return setLocalError(t('pickOneField'));
    setLocalError(null);
    const res = await file({
      key,
      input: {
        datasetId: dataset,
        purpose,
        legalBasis,
        fields: declared,
        unmaskedFields: wantUnmasked,
        durationDays: days,
      },
    });
    const id = res.data?.fileAccessRequest.id;
    if (id) navigate(`/requests?filed=${encodeURIComponent(id)}`);
  }

  if (!data && fetching) return <Loading />;
  if (error) return <ApiError error={error} />;
  return (
    <form onSubmit={onSubmit} className="form request-form" aria-label={t('newTitle')}>
      <label>
        {t('purpose')}
        <textarea name="purpose" value={purpose} onChange={(e) => setPurpose(e.target.value)} required rows={3} />
      </label>
      <label>
        {t('legalBasis')}
        <input name="legalBasis" value={legalBasis} onChange={(e) => setLegalBasis(e.target.value)} required />
      </label>
      <fieldset>
        <legend>{t('requestFields')}</legend>
        {dict.map((f) => (
          <div key={f.name} className="field-choice" data-field={f.name}>
            <label className="check">
              <input
                type="checkbox"
                name="field"
                value={f.name}
                checked={fields.includes(f.name)}
                onChange={(e) => setFields(toggle(fields, f.name, e.target.checked))}
              />
              {f.name}
              <span className="sub">
                {f.title ?? ''} · {f.type}
              </span>
            </label>
            {problemsOf(f.name).map((p) => (
              <p key={p.rule} className="field-problem" role="alert">
                <code>{p.rule}</code> {p.message}
              </p>
            ))}
          </div>
        ))}
      </fieldset>
      {fields.some((n) => dict.find((f) => f.name === n)?.mask) ? (
        <fieldset>
          <legend>{t('requestUnmasked')}</legend>
          {fields
            .filter((n) => dict.find((f) => f.name === n)?.mask)
            .map((n) => (
              <label key={n} className="check">
                <input
                  type="checkbox"
                  name="unmasked"
                  value={n}
                  checked={unmasked.includes(n)}
                  onChange={(e) => setUnmasked(toggle(unmasked, n, e.target.checked))}
                />
                {n}
              </label>
            ))}
        </fieldset>
      ) : null}
      <label>
        {t('durationDays')}
        <input
          type="number"
          name="durationDays"
          min={1}
          max={730}
          value={days}
          onChange={(e) => setDays(Number(e.target.value))}
          required
        />
      </label>
      <p role="status" className="hint">
        {check.fetching ? t('checking') : check.data?.checkAccessRequestFields.ok ? t('checkOk') : ''}
      </p>
      {otherProblems.map((p) => (
        <p key={`${p.field}-${p.rule}`} className="field-problem" role="alert">
          <code>{p.rule}</code> {p.message}
        </p>
      ))}
      <ApiError
        error={filed.error ?? check.error ?? (localError ? { code: 'BAD_USER_INPUT', message: localError } : null)}
      />
      <button type="submit" disabled={filed.fetching}>
        {t('submit')}
      </button>
    </form>
  );
}
