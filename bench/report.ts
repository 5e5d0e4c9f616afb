// Shared printing for the benchmarks: every figure is shown next to a baseline measured in the same run.

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export const ratio = (value: number, baseline: number) => (baseline > 0 ? (value / baseline).toFixed(2) : 'n/a');

export interface TableRow {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

/** A ratio column: the row's req/s over the baseline this returns for it (undefined: blank). */
export interface RatioColumn<R> {
  label: string;
  base: (row: R) => number | undefined;
}

/** One row per path; by default one ratio column, "x base", against the first row. */
export function printTable<R extends TableRow>(
  title: string,
  rows: R[],
  opts: { ratios?: RatioColumn<R>[]; nameWidth?: number } = {},
) {
  const ratios = opts.ratios ?? [{ label: 'x base', base: () => rows[0].rps }];
  const width = opts.nameWidth ?? Math.max(34, ...rows.map((r) => r.name.length));
  console.log(`\n${title}`);
  console.log(
    [
      'path'.padEnd(width),
      'req/s'.padStart(9),
      ...ratios.map((c) => c.label.padStart(Math.max(7, c.label.length))),
      'p50 ms'.padStart(8),
      'p99 ms'.padStart(8),
      'errors'.padStart(7),
    ].join(' '),
  );
  for (const r of rows) {
    const cells = ratios.map((c) => {
      const b = c.base(r);
      return (b === undefined ? '' : ratio(r.rps, b)).padStart(Math.max(7, c.label.length));
    });
    console.log(
      [
        r.name.padEnd(width),
        r.rps.toFixed(0).padStart(9),
        ...cells,
        r.p50.toFixed(2).padStart(8),
        r.p99.toFixed(2).padStart(8),
        String(r.errors).padStart(7),
      ].join(' '),
    );
  }
}
