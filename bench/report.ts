// Shared printing for the benchmarks: every figure is shown next to a baseline measured in the same run.

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export const ratio = (value: number, baseline: number) => (baseline > 0 ? (value / baseline).toFixed(2) : 'n/a');

export function printTable(title: string, rows: { name: string; rps: number; p50: number; p99: number; errors: number }[]) {
  const base = rows[0];
  console.log(`\n${title}`);
  console.log(['path'.padEnd(34), 'req/s'.padStart(9), 'x base'.padStart(7), 'p50 ms'.padStart(8), 'p99 ms'.padStart(8), 'errors'.padStart(7)].join(' '));
  for (const r of rows) {
    console.log([r.name.padEnd(34), r.rps.toFixed(0).padStart(9), ratio(r.rps, base.rps).padStart(7), r.p50.toFixed(2).padStart(8), r.p99.toFixed(2).padStart(8), String(r.errors).padStart(7)].join(' '));
  }
}
