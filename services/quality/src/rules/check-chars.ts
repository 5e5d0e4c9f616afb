// Check characters of Chinese identifiers. Pure functions, no I/O.

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

/** GB 11643-1999 (ISO 7064 MOD 11-2) check character of the first 17 digits of a resident ID. */
export function residentIdCheckChar(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new Error('resident ID body must be 17 digits');
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * ID_WEIGHTS[i];
  return ID_CHECK[sum % 11];
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
export function isValidCalendarDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  if (m === 2) return d <= ((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28);
  return d <= MONTH_DAYS[m - 1];
}

/** Value of the `n` ASCII digits of `s` from `at`. */
function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) v = v * 10 + s.charCodeAt(i) - 48;
  return v;
}

export type ResidentIdProblem = 'length' | 'charset' | 'birth-date' | 'check-char';

/**
 * Why an 18-character resident ID is invalid, or null when it is valid: 17 digits, a valid birth
 * date YYYYMMDD at positions 7-14 (from 1800 up to `today`, YYYYMMDD: a run's reference date, so
 * the figures do not change with the day they are recomputed; default the system date), and the
 * right check character (lower-case x accepted as X).
 */
export function residentIdProblem(value: string, today?: string): ResidentIdProblem | null {
  if (value.length !== 18) return 'length';
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const c = value.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return 'charset';
    sum += c * ID_WEIGHTS[i];
  }
  let last = value[17];
  if (last === 'x') last = 'X';
  if (last !== 'X' && (last < '0' || last > '9')) return 'charset';
  // Positions 0-16 are digits (checked above).
  const y = digits(value, 6, 4),
    m = digits(value, 10, 2),
    d = digits(value, 12, 2);
  // A year before the (cached, possibly older) current year cannot be in the future: skip the clock.
  const future =
    today !== undefined ? value.slice(6, 14) > today : y >= todayYear && value.slice(6, 14) > todayCompact();
  if (y < 1800 || !isValidCalendarDate(y, m, d) || future) return 'birth-date';
  if (ID_CHECK[sum % 11] !== last) return 'check-char';
  return null;
}

let today = '';
let todayUntil = 0;
/** Year of `today` (0 until first computed); never later than the real current year. */
let todayYear = 0;
/** YYYYMMDD of today (UTC), recomputed at most once a minute. */
function todayCompact(): string {
  const now = Date.now();
  if (now > todayUntil) {
    today = new Date(now).toISOString().slice(0, 10).replaceAll('-', '');
    todayUntil = now + 60_000;
    todayYear = +today.slice(0, 4);
  }
  return today;
}

export const isValidResidentId = (v: string) => residentIdProblem(v) === null;

/** Birth date (YYYY-MM-DD) and sex encoded in a valid resident ID. */
export function residentIdFacts(id: string): { birthDate: string; sex: 'M' | 'F' } {
  return {
    birthDate: `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`,
    sex: (id.charCodeAt(16) - 48) % 2 === 1 ? 'M' : 'F',
  };
}

/** GB 32100-2015 alphabet: digits and capitals without I, O, Z, S, V (31 characters). */
export const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const USCC_VALUE = new Map([...USCC_ALPHABET].map((c, i) => [c, i]));

/** GB 32100-2015 check character of the first 17 characters of a unified social credit code. */
export function usccCheckChar(first17: string): string {
  if (first17.length !== 17) throw new Error('USCC body must be 17 characters');
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = USCC_VALUE.get(first17[i]);
    if (v === undefined) throw new Error(`character ${first17[i]} is not in the USCC alphabet`);
    sum += v * USCC_WEIGHTS[i];
  }
  return USCC_ALPHABET[(31 - (sum % 31)) % 31];
}

export type UsccProblem = 'length' | 'charset' | 'region' | 'check-char';

/** Why a unified social credit code is invalid, or null: 18 characters of the alphabet, digits 3-8 a region code, right check character. */
export function usccProblem(value: string): UsccProblem | null {
  if (value.length !== 18) return 'length';
  const code = value.toUpperCase();
  for (let i = 0; i < 18; i++) if (!USCC_VALUE.has(code[i])) return 'charset';
  if (!/^\d{6}$/.test(code.slice(2, 8))) return 'region';
  if (usccCheckChar(code.slice(0, 17)) !== code[17]) return 'check-char';
  return null;
}

export const isValidUscc = (v: string) => usccProblem(v) === null;

/** Mainland mobile number: 11 digits starting with 1 (an optional +86 / 86 prefix is accepted). */
export function isValidMobile(value: string): boolean {
  const v = value.replace(/^(\+?86)(?=1\d{10}$)/, '');
  return /^1\d{10}$/.test(v);
}
