// The auditor's search of the access log: filters in the address (shareable), newest first, one page
// of the API's cursor at a time (the next page replaces this one).
import { type FormEvent, useState } from 'react';
import { useSearchParams } from 'react-router';
import { useQuery } from 'urql';
import { ApiError } from '../../components/ApiError.tsx';
import { Loading } from '../../components/Loading.tsx';
import { useReadyMarker } from '../../components/ready.ts';
import { graphql } from '../../gql/index.ts';
import type { AuditEventFilter, AuditOutcome } from '../../gql/graphql.ts';
import auditorT from '../../i18n/auditor.ts';
import common from '../../i18n/common.ts';
import { useLang, useT } from '../../i18n/i18n.tsx';
import { AUDIT_ACTIONS } from './actions.ts';
import { EventTable } from './EventTable.tsx';

export const PAGE_SIZE = 50;

const EventsQuery = graphql(`
  query ConsoleAuditEvents($filter: AuditEventFilter, $after: String, $first: Int) {
    departments {
      code
      nameZh
      nameEn
    }
    auditEvents(filter: $filter, order: NEWEST_FIRST, first: $first, after: $after) {
      pageInfo {
        endCursor
        hasNextPage
      }
      nodes {
        ...ConsoleAuditEventRow
      }
    }
  }
`);

const TEXT_KEYS = ['dept', 'sub', 'dataset', 'action', 'requestId', 'accessRequestId'] as const;
const OUTCOMES: AuditOutcome[] = ['allowed', 'denied', 'error'];

/** datetime-local (the browser's local time) ↔ the ISO instant in the address. */
const toLocalInput = (iso: string) => {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

export function filterFromParams(params: URLSearchParams): AuditEventFilter {
  const f: AuditEventFilter = {};
  for (const k of TEXT_KEYS) {
    const v = params.get(k);
    if (v) f[k] = v;
  }
  const outcome = params.get('outcome');
  if (outcome && (OUTCOMES as string[]).includes(outcome)) f.outcome = outcome as AuditOutcome;
  for (const k of ['from', 'to'] as const) {
    const v = params.get(k);
    if (v) f[k] = v;
  }
  return f;
}

type Form = Record<(typeof TEXT_KEYS)[number] | 'outcome' | 'from' | 'to', string>;

export default function Events() {
  const t = useT(auditorT);
  const tc = useT(common);
  const { lang } = useLang();
  const [params, setParams] = useSearchParams();
  const filter = filterFromParams(params);
  const after = params.get('after') ?? undefined;
  const initial = (): Form => ({
    dept: filter.dept ?? '',
    sub: filter.sub ?? '',
    dataset: filter.dataset ?? '',
    action: filter.action ?? '',
    requestId: filter.requestId ?? '',
    accessRequestId: filter.accessRequestId ?? '',
    outcome: filter.outcome ?? '',
    from: filter.from ? toLocalInput(filter.from) : '',
    to: filter.to ? toLocalInput(filter.to) : '',
  });
  const [form, setForm] = useState<Form>(initial);
  const [formError, setFormError] = useState<string | null>(null);
  const [{ data, fetching, error }] = useQuery({
    query: EventsQuery,
    variables: { filter, after, first: PAGE_SIZE },
  });
  const ref = useReadyMarker<HTMLElement>(!fetching && (!!data || !!error));

  function apply(e: FormEvent) {
    e.preventDefault();
    const next = new URLSearchParams();
    for (const k of [...TEXT_KEYS, 'outcome'] as const) if (form[k].trim()) next.set(k, form[k].trim());
    for (const k of ['from', 'to'] as const) {
      if (!form[k]) continue;
      const d = new Date(form[k]);
      if (Number.isNaN(d.getTime())) return setFormError(t('badTime', { field: t(k) }));
      next.set(k, d.toISOString());
    }
    setFormError(null);
    setParams(next);
  }
  const text = (k: (typeof TEXT_KEYS)[number], label: string, list?: string) => (
    <label>
      {label}
      <input name={k} value={form[k]} list={list} onChange={(e) => setForm({ ...form, [k]: e.target.value })} />
    </label>
  );
  const page = data?.auditEvents;
  const nodes = page?.nodes ?? [];

  return (
    <section ref={ref} className="page" aria-labelledby="events-title">
      <h1 id="events-title">{t('eventsTitle')}</h1>
      <form className="filters" onSubmit={apply} aria-label={t('filters')}>
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
        {text('sub', t('user'))}
        {text('dataset', t('dataset'))}
        {text('action', t('operation'), 'audit-actions')}
        <datalist id="audit-actions">
          {AUDIT_ACTIONS.map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
        <label>
          {t('outcome')}
          <select name="outcome" value={form.outcome} onChange={(e) => setForm({ ...form, outcome: e.target.value })}>
            <option value="">{t('anyOutcome')}</option>
            {OUTCOMES.map((o) => (
              <option key={o} value={o}>
                {t(`outcome${o}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('from')}
          <input
            type="datetime-local"
            name="from"
            value={form.from}
            onChange={(e) => setForm({ ...form, from: e.target.value })}
          />
        </label>
        <label>
          {t('to')}
          <input
            type="datetime-local"
            name="to"
            value={form.to}
            onChange={(e) => setForm({ ...form, to: e.target.value })}
          />
        </label>
        {text('requestId', t('requestId'))}
        {text('accessRequestId', t('accessRequestId'))}
        <button type="submit">{t('apply')}</button>
        <button
          type="button"
          onClick={() => {
            setForm({
              dept: '',
              sub: '',
              dataset: '',
              action: '',
              requestId: '',
              accessRequestId: '',
              outcome: '',
              from: '',
              to: '',
            });
            setParams({});
          }}
        >
          {t('reset')}
        </button>
      </form>
      {formError ? (
        <p role="alert" className="api-error">
          {formError}
        </p>
      ) : null}
      <ApiError error={error} />
      {!data && fetching ? <Loading /> : null}
      {page ? (
        <>
          <p role="status" className="count">
            {nodes.length
              ? t('pageFrom', { n: nodes.length, hi: nodes[0]!.seq, lo: nodes[nodes.length - 1]!.seq })
              : tc('empty')}{' '}
            <span className="sub">{t('newestFirst', { n: PAGE_SIZE })}</span>
          </p>
          {nodes.length ? <EventTable events={nodes} labelledBy="events-title" /> : null}
          <div className="filters">
            {after ? (
              <button
                type="button"
                onClick={() => {
                  const next = new URLSearchParams(params);
                  next.delete('after');
                  setParams(next);
                }}
              >
                {t('firstPage')}
              </button>
            ) : null}
            {page.pageInfo.hasNextPage && page.pageInfo.endCursor ? (
              <button
                type="button"
                onClick={() => setParams({ ...Object.fromEntries(params), after: page.pageInfo.endCursor! })}
              >
                {t('nextPage')}
              </button>
            ) : null}
          </div>
        </>
      ) : null}
    </section>
  );
}
