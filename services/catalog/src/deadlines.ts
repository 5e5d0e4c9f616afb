// Time limits for access requests (限时办结): working days in China Standard Time (UTC+8, no DST),
// Saturdays and Sundays off. Public holidays and make-up working days are not modelled (yet).
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

/** Day of week (0 = Sunday) of an instant, in China Standard Time. */
const localDay = (ms: number) => new Date(ms + OFFSET_MS).getUTCDay();
const isWorkingDay = (ms: number) => {
  const d = localDay(ms);
  return d !== 0 && d !== 6;
};
/** Start (00:00 CST) of the local day containing ms. */
const startOfLocalDay = (ms: number) => Math.floor((ms + OFFSET_MS) / DAY_MS) * DAY_MS - OFFSET_MS;

/**
 * The deadline `days` working days after `start`: filed on a working day at 10:00, due at 10:00 on
 * the `days`-th following working day; filed on a weekend, the count starts on Monday 00:00.
 */
export function addWorkingDays(start: Date, days: number): Date {
  if (!Number.isInteger(days) || days < 1) throw new Error('days must be a positive integer');
  let t = start.getTime();
  while (!isWorkingDay(t)) t = startOfLocalDay(t) + DAY_MS;
  for (let i = 0; i < days; i++) {
    t += DAY_MS;
    while (!isWorkingDay(t)) t += DAY_MS;
  }
  return new Date(t);
}

/** Working time (ms) between two instants: only the parts of Monday–Friday (CST) count. */
export function workingMsBetween(from: Date, to: Date): number {
  let a = from.getTime();
  const b = to.getTime();
  if (b <= a) return 0;
  let total = 0;
  while (a < b) {
    const dayEnd = startOfLocalDay(a) + DAY_MS;
    const end = Math.min(dayEnd, b);
    if (isWorkingDay(a)) total += end - a;
    a = end;
  }
  return total;
}

/**
 * green: at least half of the working time left; yellow: under half left; red: past the deadline.
 * Decided (closed) requests are `closed`.
 */
export function deadlineStatus(r: { filedAt: Date; deadline: Date; closed: boolean }, now: Date): DeadlineStatus {
  if (r.closed) return 'closed';
  if (now.getTime() > r.deadline.getTime()) return 'red';
  const total = workingMsBetween(r.filedAt, r.deadline);
  const left = workingMsBetween(now, r.deadline);
  return left * 2 < total ? 'yellow' : 'green';
}

/** Working days (fractional) left until the deadline; negative when overdue. */
export function workingDaysLeft(deadline: Date, now: Date): number {
  const ms = now <= deadline ? workingMsBetween(now, deadline) : -workingMsBetween(deadline, now);
  return Math.round((ms / DAY_MS) * 100) / 100;
}
