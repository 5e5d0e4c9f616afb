// Time limits for access requests (限时办结): working days in China Standard Time (UTC+8, no DST):
// Monday to Friday, minus the public holidays, plus the make-up working days (调休) of a working
// calendar the operator configures (the State Council publishes them each year).
import type { DeadlineStatus } from '@govshare/contracts';

/** The catalog's notion of "now"; tests pass a controllable one. */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();

/** A clock tests can set and move. */
export interface ManualClock extends Clock {
  set(at: Date | string): void;
  advance(ms: number): void;
}
export function manualClock(start: Date | string = new Date()): ManualClock {
  let t = new Date(start).getTime();
  const clock = (() => new Date(t)) as ManualClock;
  clock.set = (at) => {
    t = new Date(at).getTime();
  };
  clock.advance = (ms) => {
    t += ms;
  };
  return clock;
}

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;
const OFFSET_MS = 8 * HOUR_MS; // Asia/Shanghai

/** Public holidays (weekdays off) and make-up working days (weekend days on), as CST dates YYYY-MM-DD. */
export interface WorkingCalendar {
  holidays: ReadonlySet<string>;
  workdays: ReadonlySet<string>;
}
export const WEEKENDS_ONLY: WorkingCalendar = { holidays: new Set(), workdays: new Set() };

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
/** Builds a calendar from lists of dates; refuses anything that is not a real YYYY-MM-DD date. */
export function workingCalendar(opts: { holidays?: string[]; workdays?: string[] } = {}): WorkingCalendar {
  const check = (d: string) => {
    // A well-shaped impossible date (2026-13-01) parses to NaN; 2026-02-30 rolls over to March.
    const parsed = new Date(`${d}T00:00:00Z`);
    if (!DATE_RE.test(d) || Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== d)
      throw new Error(`working calendar: "${d}" is not a date (YYYY-MM-DD)`);
    return d;
  };
  const holidays = new Set((opts.holidays ?? []).map(check));
  const workdays = new Set((opts.workdays ?? []).map(check));
  for (const d of holidays)
    if (workdays.has(d)) throw new Error(`working calendar: ${d} is both a holiday and a working day`);
  return { holidays, workdays };
}

/** Day of week (0 = Sunday) of an instant, in China Standard Time. */
const localDay = (ms: number) => new Date(ms + OFFSET_MS).getUTCDay();
const localDate = (ms: number) => new Date(ms + OFFSET_MS).toISOString().slice(0, 10);
const isWorkingDay = (ms: number, cal: WorkingCalendar) => {
  if (cal.workdays.size || cal.holidays.size) {
    const date = localDate(ms);
    if (cal.workdays.has(date)) return true;
    if (cal.holidays.has(date)) return false;
  }
  const d = localDay(ms);
  return d !== 0 && d !== 6;
};
/** Start (00:00 CST) of the local day containing ms. */
const startOfLocalDay = (ms: number) => Math.floor((ms + OFFSET_MS) / DAY_MS) * DAY_MS - OFFSET_MS;

/**
 * The deadline `days` working days after `start`: filed on a working day at 10:00, due at 10:00 on
 * the `days`-th following working day; filed on a day off, the count starts at 00:00 of the next working day.
 */
export function addWorkingDays(start: Date, days: number, cal: WorkingCalendar = WEEKENDS_ONLY): Date {
  if (!Number.isInteger(days) || days < 1) throw new Error('days must be a positive integer');
  let t = start.getTime();
  while (!isWorkingDay(t, cal)) t = startOfLocalDay(t) + DAY_MS;
  for (let i = 0; i < days; i++) {
    t += DAY_MS;
    while (!isWorkingDay(t, cal)) t += DAY_MS;
  }
  return new Date(t);
}

/** Working time (ms) between two instants: only the parts of working days (CST) count. */
export function workingMsBetween(from: Date, to: Date, cal: WorkingCalendar = WEEKENDS_ONLY): number {
  let a = from.getTime();
  const b = to.getTime();
  if (b <= a) return 0;
  let total = 0;
  while (a < b) {
    const dayEnd = startOfLocalDay(a) + DAY_MS;
    const end = Math.min(dayEnd, b);
    if (isWorkingDay(a, cal)) total += end - a;
    a = end;
  }
  return total;
}

/**
 * green: at least half of the working time left; yellow: under half left; red: past the deadline.
 * Decided (closed) requests are `closed`.
 */
export function deadlineStatus(
  r: { filedAt: Date; deadline: Date; closed: boolean },
  now: Date,
  cal: WorkingCalendar = WEEKENDS_ONLY,
): DeadlineStatus {
  if (r.closed) return 'closed';
  if (now.getTime() > r.deadline.getTime()) return 'red';
  const total = workingMsBetween(r.filedAt, r.deadline, cal);
  const left = workingMsBetween(now, r.deadline, cal);
  return left * 2 < total ? 'yellow' : 'green';
}

/** Working days (fractional) left until the deadline; negative when overdue. */
export function workingDaysLeft(deadline: Date, now: Date, cal: WorkingCalendar = WEEKENDS_ONLY): number {
  const ms = now <= deadline ? workingMsBetween(now, deadline, cal) : -workingMsBetween(deadline, now, cal);
  return Math.round((ms / DAY_MS) * 100) / 100;
}
