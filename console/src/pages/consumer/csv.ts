// The records page's export: the page on screen as CSV (RFC 4180 quoting by csv-stringify), values as
// shown (masked ones masked), and a download through a Blob link (nothing leaves the browser).
import { stringify } from 'csv-stringify/browser/esm/sync';

/** A cell as the table shows it: empty for null, JSON for objects and lists. */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function pageCsv(columns: string[], rows: Record<string, unknown>[]): string {
  // escape_formulas: a cell starting with = + - @ would run as a formula in a spreadsheet.
  return stringify([columns, ...rows.map((r) => columns.map((c) => cellText(r[c])))], {
    record_delimiter: 'windows',
    escape_formulas: true,
  });
}

export function downloadCsv(filename: string, csv: string) {
  // The BOM lets spreadsheet programs read UTF-8 (Chinese) text as such.
  const url = URL.createObjectURL(new Blob(['\uFEFF', csv], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  // After the click has started the download.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
