// Scrapes a /metrics endpoint over HTTP and reads it with a Prometheus text-format parser.
// parse-prometheus-text-format folds a histogram's series into one (it drops their labels, count
// and sum), so the text is parsed twice: as served, for each family's TYPE, and without the
// HELP/TYPE lines, where every sample line (x_bucket, x_sum, x_count too) is its own labelled sample.
import parsePrometheusTextFormat from 'parse-prometheus-text-format';

export type Families = ReturnType<typeof parsePrometheusTextFormat>;
export type Labels = Record<string, string>;

export interface Scrape {
  text: string;
  families: Families;
  /** A counter's or gauge's value for exactly these labels (0 when the series is absent). */
  value(name: string, labels?: Labels): number;
  /** A histogram's count and sum for the series with these labels (summed over the labels not given). */
  histogram(name: string, labels?: Labels): { count: number; sum: number };
  /** Every label value of every series. */
  labelValues(): string[];
}

const matches = (labels: Labels | undefined, want: Labels) => Object.entries(want).every(([k, v]) => labels?.[k] === v);

export async function scrape(url: string): Promise<Scrape> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status}`);
  const type = res.headers.get('content-type') ?? '';
  if (!type.startsWith('text/plain') || !type.includes('version=0.0.4'))
    throw new Error(`${url}: not the Prometheus text format (${type})`);
  const text = await res.text();
  const families = parsePrometheusTextFormat(text);
  const samples = new Map<string, { labels: Labels; value: number }[]>();
  for (const f of parsePrometheusTextFormat(text.replace(/^# (HELP|TYPE) .*$/gm, ''))) {
    const list = samples.get(f.name) ?? [];
    for (const m of f.metrics) list.push({ labels: m.labels ?? {}, value: Number(m.value) });
    samples.set(f.name, list);
  }
  const typeOf = (name: string) => families.find((f) => f.name === name)?.type;
  const sumOf = (name: string, labels: Labels) =>
    (samples.get(name) ?? []).filter((m) => matches(m.labels, labels)).reduce((n, m) => n + m.value, 0);
  return {
    text,
    families,
    value(name, labels = {}) {
      const exact = (samples.get(name) ?? []).filter(
        (m) => matches(m.labels, labels) && Object.keys(m.labels).length === Object.keys(labels).length,
      );
      return exact.length ? exact[0]!.value : 0;
    },
    histogram(name, labels = {}) {
      const type = typeOf(name);
      if (type !== undefined && type !== 'HISTOGRAM') throw new Error(`${name} is a ${type}, not a histogram`);
      const count = sumOf(`${name}_count`, labels);
      // Consistent as exposed: the +Inf bucket holds every observation.
      const inf = sumOf(`${name}_bucket`, { ...labels, le: '+Inf' });
      if (inf !== count) throw new Error(`${name}: +Inf bucket ${inf} but count ${count}`);
      return { count, sum: sumOf(`${name}_sum`, labels) };
    },
    labelValues() {
      return [...samples.values()].flatMap((list) => list.flatMap((m) => Object.values(m.labels)));
    },
  };
}
