// The quality rule set of one dataset, edited as JSON: its model is nested (rules of nine kinds with
// kind-specific parameters, weights, targets, near-duplicate and consistency settings), so a text area
// showing the stored body is the honest editor. A refused save lists every problem the API found, each
// beside its path and the value found there, with its rule; nothing is stored then.
import { type FormEvent, useEffect, useId, useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import { type CombinedError, useMutation, useQuery } from 'urql';
import { ApiError } from '../../components/ApiError.tsx';
import { Loading } from '../../components/Loading.tsx';
import { useReadyMarker } from '../../components/ready.ts';
import { graphql } from '../../gql/index.ts';
import { useT } from '../../i18n/i18n.tsx';
import qualityT from '../../i18n/steward-quality.ts';
import { type RuleProblem, readRuleProblems } from './quality-json.ts';

const RulesQuery = graphql(`
  query ConsoleStewardRules($dataset: ID!) {
    qualityRules(dataset: $dataset)
  }
`);

const SetRulesMutation = graphql(`
  mutation ConsoleStewardSetRules($dataset: ID!, $rules: JSON!) {
    setQualityRules(dataset: $dataset, rules: $rules)
  }
`);

interface StoredRules {
  version?: number;
  body?: unknown;
  effectiveRules?: unknown[];
  createdBy?: string;
  createdAt?: string;
}

/** The value at a problem's path: `rules[0].field` (dictionary checks) or `/input/ruleSet/rules/0` (schema). */
export function valueAt(body: unknown, path: string): unknown {
  const parts = path.includes('/')
    ? path
        .replace(/^\/?input\/ruleSet\/?/, '')
        .split('/')
        .filter(Boolean)
    : path.split(/\.|\[(\d+)\]/).filter((p) => p !== undefined && p !== '');
  let v: unknown = body;
  for (const p of parts) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[p];
  }
  return v;
}

function problemsOf(error: CombinedError | undefined): RuleProblem[] {
  const bad = error?.graphQLErrors.find((e) => e.extensions?.code === 'BAD_USER_INPUT');
  return bad ? readRuleProblems(bad.extensions.details) : [];
}

export default function RulesEditor() {
  const t = useT(qualityT);
  const id = useParams().id ?? '';
  const editorId = useId();
  const [{ data, fetching, error }, refetch] = useQuery({ query: RulesQuery, variables: { dataset: id } });
  const [saving, save] = useMutation(SetRulesMutation);
  const stored = (data?.qualityRules ?? {}) as StoredRules;
  const [text, setText] = useState<string | null>(null);
  const [parseError, setParseError] = useState<string | null>(null);
  const [submitted, setSubmitted] = useState<unknown>(undefined);
  const ref = useReadyMarker<HTMLElement>(!fetching && (!!data || !!error));
  // The text area starts from the stored body (once it has arrived; later refetches keep the edits).
  useEffect(() => {
    if (data && text === null) setText(JSON.stringify(stored.body ?? {}, null, 2));
  }, [data, text, stored.body]);
  const problems = useMemo(() => problemsOf(saving.error), [saving.error]);
  const otherError = saving.error && problems.length === 0 ? saving.error : null;

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    let rules: unknown;
    try {
      rules = JSON.parse(text ?? '');
    } catch (err) {
      setParseError((err as Error).message);
      return;
    }
    setParseError(null);
    setSubmitted(rules);
    const r = await save({ dataset: id, rules });
    if (!r.error) refetch({ requestPolicy: 'network-only' });
  };

  return (
    <section ref={ref} className="page" aria-labelledby="rules-title">
      <p>
        <Link to={`/steward/datasets/${encodeURIComponent(id)}`}>{t('rulesBack')}</Link>
      </p>
      <h1 id="rules-title">{t('rulesTitle', { id })}</h1>
      <ApiError error={error} />
      {!data && fetching ? <Loading /> : null}
      {data ? (
        <>
          <p data-rules-version={stored.version ?? 0}>
            {t('rulesVersion', {
              v: stored.version ?? 0,
              by: stored.createdBy ?? '—',
              at: stored.createdAt ? new Date(stored.createdAt).toLocaleString() : '—',
            })}
          </p>
          <form className="form" onSubmit={onSubmit} noValidate>
            <label htmlFor={editorId}>{t('rulesLabel')}</label>
            <p className="hint" id={`${editorId}-hint`}>
              {t('rulesHint')}
            </p>
            <textarea
              id={editorId}
              className="code"
              rows={18}
              spellCheck={false}
              value={text ?? ''}
              onChange={(e) => setText(e.target.value)}
              aria-invalid={problems.length > 0 || parseError !== null}
              aria-describedby={`${editorId}-hint ${editorId}-problems`}
            />
            <div id={`${editorId}-problems`} aria-live="polite">
              {parseError ? (
                <p role="alert" className="api-error">
                  {t('notJson', { message: parseError })}
                </p>
              ) : null}
              {problems.length > 0 ? (
                <div role="alert" className="api-error">
                  <p className="api-error-title">{t('problemsTitle', { n: problems.length })}</p>
                  <ul>
                    {problems.map((p) => (
                      <li
                        key={`${p.path} ${p.rule} ${p.message}`}
                        data-problem-path={p.path}
                        data-problem-rule={p.rule}
                      >
                        <span className="sr-only">{t('problemAt')}: </span>
                        <code>{p.path || '/'}</code>
                        {valueAt(submitted, p.path) !== undefined ? (
                          <>
                            {' = '}
                            <code>{JSON.stringify(valueAt(submitted, p.path))}</code>
                          </>
                        ) : null}
                        {' — '}
                        {p.message}{' '}
                        <span className="sub">
                          {t('problemRule')}: <code className="api-error-code">{p.rule}</code>
                        </span>
                      </li>
                    ))}
                  </ul>
                </div>
              ) : null}
            </div>
            <ApiError error={otherError} />
            <button type="submit" disabled={saving.fetching}>
              {t('save')}
            </button>
            {saving.data && !saving.error ? (
              <p role="status" className="outcome" data-saved>
                {t('saved', { v: stored.version ?? '…' })}
              </p>
            ) : null}
          </form>
          <h2 id="effective-title">{t('effectiveTitle')}</h2>
          <ol className="code" data-effective-rules>
            {(stored.effectiveRules ?? []).map((r) => (
              <li key={JSON.stringify(r)}>
                <code>{JSON.stringify(r)}</code>
              </li>
            ))}
          </ol>
        </>
      ) : null}
    </section>
  );
}
