// The quality API's JSON fields, read defensively: the schema types them JSON (docs/console-api.md gives
// their shapes), so a page narrows them here once instead of trusting `unknown` everywhere.

export interface QualityAlert {
  id: string;
  datasetId: string;
  runId: string;
  metric: string;
  kind: string;
  reference: number;
  value: number;
  raisedAt: string;
  resolvedAt: string | null;
}
export interface QualityAlerts {
  datasets: { datasetId: string; status: string; score: number | null; openAlerts: number; runId: string }[];
  alerts: QualityAlert[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.filter(isObject) : []);

export function readAlerts(v: unknown): QualityAlerts {
  const o = isObject(v) ? v : {};
  return {
    datasets: list(o.datasets) as unknown as QualityAlerts['datasets'],
    alerts: list(o.alerts) as unknown as QualityAlert[],
  };
}

export interface FailingExample {
  key: string;
  problem: string;
  values: Record<string, unknown>;
}

/** { ruleId: [{ key, problem, values }] }, already masked by the API. */
export function readExamples(v: unknown): [string, FailingExample[]][] {
  if (!isObject(v)) return [];
  return Object.entries(v)
    .map(([rule, xs]) => [rule, list(xs) as unknown as FailingExample[]] as [string, FailingExample[]])
    .filter(([, xs]) => xs.length > 0);
}

/** A run's headline metrics: { score, completeness, uniqueness, accuracy, … } (ratios 0–1). */
export function readHeadline(v: unknown): Record<string, number> {
  if (!isObject(v)) return {};
  return Object.fromEntries(Object.entries(v).filter((e): e is [string, number] => typeof e[1] === 'number'));
}

export interface RuleProblem {
  path: string;
  rule: string;
  message: string;
}

/** The problems of a refused rule set: details.problems (dictionary checks) or a list (JSON Schema). */
export function readRuleProblems(details: unknown): RuleProblem[] {
  const raw = isObject(details) ? (Array.isArray(details.problems) ? details.problems : [details]) : details;
  return list(raw)
    .filter((p) => typeof p.message === 'string')
    .map((p) => ({ path: String(p.path ?? ''), rule: String(p.rule ?? ''), message: String(p.message) }));
}
