// Governance figures (治理指标) per department over a period: refusal rate and reasons, decision time
// (median, p90), overdue, accuracy against the 95% target, and every figure more than 10% off its
// target said in words. Admins see every department, stewards their own.
// One governanceFigures call per department (the API answers one at a time).
import { type FormEvent, useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { type CombinedError, useClient, useQuery } from 'urql';
import { useSession } from '../../auth/session.tsx';
import { ApiError } from '../../components/ApiError.tsx';
import { Loading } from '../../components/Loading.tsx';
import { useReadyMarker } from '../../components/ready.ts';
import { graphql } from '../../gql/index.ts';
import type { ConsoleGovernanceFiguresQuery } from '../../gql/graphql.ts';
import adminT from '../../i18n/admin.ts';
import { useLang, useT } from '../../i18n/i18n.tsx';
import { Chart, type ChartOption } from './Chart.tsx';

const DepartmentsQuery = graphql(`
  query ConsoleGovernanceDepartments {
    departments {
      code
      nameZh
      nameEn
    }
  }
`);

const FiguresQuery = graphql(`
  query ConsoleGovernanceFigures($dept: String!, $from: DateTime!, $to: DateTime!) {
    governanceFigures(dept: $dept, from: $from, to: $to) {
      dept
      from
      to
      received
      decided
      approved
      rejected
      refusalRate
      narrowedRate
      refusalReasons {
        reason
        count
        share
      }
      decisionDaysMedian
      decisionDaysP90
      decidedLate
      overdueNow
      pendingNow
      activeGrants
      targets {
        refusalRate
        decisionDaysP90
        overdue
      }
      warnings {
        figure
        value
        target
        message
      }
    }
  }
`);

const ScoresQuery = graphql(`
  query ConsoleGovernanceScores($period: String!) {
    departmentScores(period: $period) {
      dept
      accuracy
      accuracyTarget
      records
      warnings {
        figure
        value
        target
        message
      }
    }
  }
`);

type Figures = ConsoleGovernanceFiguresQuery['governanceFigures'];
const REASONS = ['DATA_NOT_HELD', 'NO_LEGAL_BASIS', 'SECURITY', 'STANDARDS_MISMATCH', 'OTHER'] as const;
const ACCURACY_TARGET = 0.95;

const ymd = (d: Date) =>
  `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
/** A date picked in the browser is a local day: its start, as the instant the API takes. */
const dayStart = (day: string) => {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y, m - 1, d);
};
const nextDay = (day: string) => {
  const d = dayStart(day);
  d.setDate(d.getDate() + 1);
  return d;
};
export const pct = (v: number | null | undefined) => (v == null ? '—' : `${(v * 100).toFixed(1)}%`);
const days = (v: number | null | undefined) => (v == null ? '—' : String(Math.round(v * 10) / 10));

const targetLine = (value: number, name: string) => ({
  symbol: 'none',
  label: { formatter: `${name} ${pct(value)}` },
  data: [{ yAxis: value, name }],
});

/** All departments' figures for one period, fetched together (a chart needs them all). */
function useAllFigures(depts: string[] | undefined, from: string, to: string) {
  const client = useClient();
  const key = depts ? `${depts.join(',')}|${from}|${to}` : '';
  const [state, setState] = useState<{ key: string; data?: Figures[]; error?: CombinedError }>({ key: '' });
  useEffect(() => {
    if (!key) return;
    let live = true;
    Promise.all(
      key
        .split('|')[0]
        .split(',')
        .map((dept) => client.query(FiguresQuery, { dept, from, to }, { requestPolicy: 'network-only' }).toPromise()),
    ).then((results) => {
      if (!live) return;
      const error = results.find((r) => r.error)?.error;
      const data = error ? undefined : results.map((r) => r.data?.governanceFigures).filter((f) => !!f);
      setState({ key, data, error });
    });
    return () => {
      live = false;
    };
  }, [client, key, from, to]);
  return state.key === key ? state : { key, data: undefined, error: undefined };
}

export default function Governance() {
  const t = useT(adminT);
  const { lang } = useLang();
  const [params, setParams] = useSearchParams();
  const today = ymd(new Date());
  const defaultFrom = ymd(new Date(dayStart(today).getTime() - 89 * 86_400_000));
  const fromDay = params.get('from') ?? defaultFrom;
  const toDay = params.get('to') ?? today;
  const [form, setForm] = useState({ from: fromDay, to: toDay });
  const [formError, setFormError] = useState('');
  const from = dayStart(fromDay).toISOString();
  const to = nextDay(toDay).toISOString();
  const month = toDay.slice(0, 7);

  const [depts] = useQuery({ query: DepartmentsQuery });
  const [scores] = useQuery({ query: ScoresQuery, variables: { period: month } });
  // A steward may see its own department's figures only (the API's rule): ask for that one.
  const { session } = useSession();
  const own = session?.role === 'admin' ? undefined : session?.dept;
  const codes = useMemo(
    () => depts.data?.departments.map((d) => d.code).filter((c) => !own || c === own),
    [depts.data, own],
  );
  const figures = useAllFigures(codes, from, to);
  const done = (!!figures.data || !!figures.error || !!depts.error) && !scores.fetching;
  const ref = useReadyMarker<HTMLElement>(done);

  const name = (code: string) => {
    const d = depts.data?.departments.find((x) => x.code === code);
    return d ? (lang === 'zh' ? d.nameZh : d.nameEn) : code;
  };
  const scoreOf = (dept: string) => scores.data?.departmentScores.find((s) => s.dept === dept);

  function apply(e: FormEvent) {
    e.preventDefault();
    if (!form.from || !form.to || dayStart(form.from) > dayStart(form.to)) return setFormError(t('badPeriod'));
    setFormError('');
    setParams({ from: form.from, to: form.to });
  }

  const rows = figures.data ?? [];
  const warnings = [
    ...rows.flatMap((f) => f.warnings.map((w) => ({ ...w, dept: f.dept }))),
    ...(scores.data?.departmentScores ?? []).flatMap((s) => s.warnings.map((w) => ({ ...w, dept: s.dept }))),
  ];
  const warnText = (w: (typeof warnings)[number]) => {
    const asPct = w.figure === 'refusalRate' || w.figure === 'accuracy';
    const fmt = (v: number) => (asPct ? pct(v) : days(v));
    const key = `warn_${w.figure}`;
    const known = ['warn_refusalRate', 'warn_decisionDaysP90', 'warn_overdue', 'warn_accuracy'].includes(key);
    return known
      ? t(key as 'warn_overdue', { dept: name(w.dept), value: fmt(w.value), target: fmt(w.target) })
      : `${name(w.dept)}: ${w.message}`;
  };

  const reasonTotals = REASONS.map((reason) => ({
    reason,
    count: rows.reduce((n, f) => n + (f.refusalReasons.find((r) => r.reason === reason)?.count ?? 0), 0),
  }));
  const reasonsOption: ChartOption = {
    tooltip: {},
    grid: { left: 200, right: 30, top: 10, bottom: 30 },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', data: reasonTotals.map((r) => t(`reason${r.reason}`)) },
    series: [{ type: 'bar', name: t('reasonsTitle'), data: reasonTotals.map((r) => r.count), color: '#b3261e' }],
  };
  const target = rows[0]?.targets.refusalRate;
  const ratesOption: ChartOption = {
    tooltip: { valueFormatter: (v: number) => pct(v) },
    legend: { top: 0 },
    grid: { left: 50, right: 140, top: 40, bottom: 60 },
    xAxis: { type: 'category', data: rows.map((f) => name(f.dept)), axisLabel: { rotate: 30 } },
    yAxis: { type: 'value', min: 0, max: 1, axisLabel: { formatter: (v: number) => `${v * 100}%` } },
    series: [
      {
        type: 'bar',
        name: t('seriesRefusal'),
        color: '#8a5a00',
        data: rows.map((f) => f.refusalRate),
        ...(target != null ? { markLine: targetLine(target, t('seriesRefusalTarget')) } : {}),
      },
      {
        type: 'bar',
        name: t('seriesAccuracy'),
        color: '#0b57d0',
        data: rows.map((f) => scoreOf(f.dept)?.accuracy ?? null),
        markLine: targetLine(ACCURACY_TARGET, t('seriesAccuracyTarget')),
      },
    ],
  };
  // The charts redraw when what they show changes, not on every render.
  const chartVersion = `${figures.key}|${scores.data ? 'scores' : ''}|${lang}`;

  const anyRefusal = reasonTotals.some((r) => r.count > 0);
  return (
    <section ref={ref} className="page" aria-labelledby="gov-title">
      <h1 id="gov-title">{t('govTitle')}</h1>
      <form className="filters" onSubmit={apply} aria-label={t('period')}>
        <label>
          {t('from')}
          <input type="date" value={form.from} onChange={(e) => setForm({ ...form, from: e.target.value })} />
        </label>
        <label>
          {t('to')}
          <input type="date" value={form.to} onChange={(e) => setForm({ ...form, to: e.target.value })} />
        </label>
        <button type="submit">{t('apply')}</button>
        {formError ? (
          <p role="alert" className="api-error">
            {formError}
          </p>
        ) : null}
      </form>
      <p className="note" data-from={from} data-to={to} data-month={month}>
        {t('periodShown', {
          from: new Date(from).toLocaleString(),
          to: new Date(to).toLocaleString(),
          month,
        })}
      </p>
      <ApiError error={depts.error ?? figures.error} />
      {scores.error ? (
        <div>
          <p className="note">{t('scoresUnavailable')}</p>
          <ApiError error={scores.error} />
        </div>
      ) : null}
      {!figures.data && !figures.error && !depts.error ? <Loading /> : null}
      {figures.data ? (
        <>
          <h2 id="warn-title">{t('warningsTitle')}</h2>
          {warnings.length ? (
            <ul className="warnings" aria-labelledby="warn-title">
              {warnings.map((w) => (
                <li key={`${w.dept}-${w.figure}`} className="deadline-red" data-warning={w.figure} data-dept={w.dept}>
                  <strong>{t('warnLevel')}</strong>：{warnText(w)}
                </li>
              ))}
            </ul>
          ) : (
            <p className="note">{t('noWarnings')}</p>
          )}
          <div className="table-scroll">
            <table className="list" aria-labelledby="gov-title">
              <thead>
                <tr>
                  <th scope="col">{t('colDept')}</th>
                  <th scope="col">{t('colReceived')}</th>
                  <th scope="col">{t('colDecided')}</th>
                  <th scope="col">{t('colApproved')}</th>
                  <th scope="col">{t('colRejected')}</th>
                  <th scope="col">{t('colRefusalRate')}</th>
                  <th scope="col">{t('colNarrowed')}</th>
                  <th scope="col">{t('colMedian')}</th>
                  <th scope="col">{t('colP90')}</th>
                  <th scope="col">{t('colLate')}</th>
                  <th scope="col">{t('colOverdue')}</th>
                  <th scope="col">{t('colPending')}</th>
                  <th scope="col">{t('colGrants')}</th>
                  <th scope="col">{t('colAccuracy', { target: pct(ACCURACY_TARGET) })}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((f) => {
                  const s = scoreOf(f.dept);
                  const warned = new Set(warnings.filter((w) => w.dept === f.dept).map((w) => w.figure));
                  const cell = (figure: string, value: number | null | undefined, text: string, target?: string) => (
                    <td
                      className={`num${warned.has(figure) ? ' deadline-red' : ''}`}
                      data-figure={figure}
                      data-value={value == null ? '' : String(value)}
                    >
                      {text}
                      {target ? <span className="sub">{t('target', { v: target })}</span> : null}
                    </td>
                  );
                  return (
                    <tr key={f.dept} data-dept={f.dept}>
                      <th scope="row">
                        {name(f.dept)}
                        <span className="sub">{f.dept}</span>
                      </th>
                      {cell('received', f.received, String(f.received))}
                      {cell('decided', f.decided, String(f.decided))}
                      {cell('approved', f.approved, String(f.approved))}
                      {cell('rejected', f.rejected, String(f.rejected))}
                      {cell('refusalRate', f.refusalRate, pct(f.refusalRate), pct(f.targets.refusalRate))}
                      {cell('narrowedRate', f.narrowedRate, pct(f.narrowedRate))}
                      {cell('decisionDaysMedian', f.decisionDaysMedian, days(f.decisionDaysMedian))}
                      {cell(
                        'decisionDaysP90',
                        f.decisionDaysP90,
                        days(f.decisionDaysP90),
                        days(f.targets.decisionDaysP90),
                      )}
                      {cell('decidedLate', f.decidedLate, String(f.decidedLate))}
                      {cell('overdueNow', f.overdueNow, String(f.overdueNow))}
                      {cell('pendingNow', f.pendingNow, String(f.pendingNow))}
                      {cell('activeGrants', f.activeGrants, String(f.activeGrants))}
                      {cell('accuracy', s?.accuracy, pct(s?.accuracy), pct(s?.accuracyTarget ?? ACCURACY_TARGET))}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <h2 id="reasons-title">{t('reasonsTitle')}</h2>
          {anyRefusal ? (
            <>
              <ul aria-labelledby="reasons-title">
                {rows
                  .filter((f) => f.refusalReasons.length)
                  .map((f) => (
                    <li key={f.dept} data-reasons={f.dept}>
                      {name(f.dept)}：
                      {f.refusalReasons
                        .map((r) =>
                          t('reasonCount', { reason: t(`reason${r.reason}`), n: r.count, share: pct(r.share) }),
                        )
                        .join('；')}
                    </li>
                  ))}
              </ul>
              <Chart
                version={chartVersion}
                option={reasonsOption}
                height={200}
                label={t('reasonsChart', {
                  summary: reasonTotals.map((r) => `${t(`reason${r.reason}`)} ${r.count}`).join(', '),
                })}
              />
            </>
          ) : (
            <p className="note">{t('noRefusals')}</p>
          )}
          <h2>{t('ratesTitle')}</h2>
          <Chart
            version={chartVersion}
            option={ratesOption}
            label={t('ratesChart', {
              summary: rows
                .map((f) => `${name(f.dept)} ${pct(f.refusalRate)} / ${pct(scoreOf(f.dept)?.accuracy)}`)
                .join(', '),
            })}
          />
        </>
      ) : null}
    </section>
  );
}
