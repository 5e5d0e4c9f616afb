// What GOVSHARE_RATE_LIMITS says: the default limits of every department and per-department
// overrides, checked once at start (a bad value stops the hub, named with its place and rule).
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ConfigError } from '@govshare/platform/env';

const limitFields = {
  /** Sustained requests per second (the average over a burst window never exceeds it). */
  perSecond: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
  /** The most requests accepted at once: the window is burst/perSecond seconds (rounded up). */
  burst: Type.Integer({ minimum: 1, maximum: 10_000_000 }),
  /** Requests per day, the day starting at midnight at `dayStartsAt`. */
  perDay: Type.Integer({ minimum: 1, maximum: 1_000_000_000_000 }),
};
export const DepartmentLimits = Type.Object(limitFields, { additionalProperties: false });
export type DepartmentLimits = Static<typeof DepartmentLimits>;

/** The department codes tokens carry (contracts' DeptCode). */
const DEPT_CODE = '^[A-Z][A-Z0-9_]{1,15}$';

export const RateLimitsConfig = Type.Object(
  {
    default: DepartmentLimits,
    /** Only the fields an override names change; the rest are the default's. */
    departments: Type.Optional(
      Type.Record(Type.String({ pattern: DEPT_CODE }), Type.Partial(DepartmentLimits), {
        additionalProperties: false,
      }),
    ),
    /**
     * The UTC offset whose midnight starts a quota day. Default +08:00, China Standard Time (no
     * daylight saving), the day the departments work by and the catalog's deadlines count in.
     */
    dayStartsAt: Type.Optional(Type.String({ pattern: '^[+-](0[0-9]|1[0-4]):[0-5][0-9]$' })),
  },
  { additionalProperties: false },
);
export type RateLimitsConfig = Static<typeof RateLimitsConfig>;

export const DEFAULT_DAY_STARTS_AT = '+08:00';

/** The limits a department has: its override over the default. */
export function limitsOf(config: RateLimitsConfig, dept: string): DepartmentLimits {
  return { ...config.default, ...config.departments?.[dept] };
}

/** Milliseconds east of UTC of a `±HH:MM` offset. */
export function offsetMs(dayStartsAt: string): number {
  const sign = dayStartsAt.startsWith('-') ? -1 : 1;
  const [h, m] = dayStartsAt.slice(1).split(':').map(Number);
  return sign * (h * 60 + m) * 60_000;
}

/**
 * Parses and checks a GOVSHARE_RATE_LIMITS value (JSON). Every problem is reported at once, each
 * with its place in the value, the value found there and the rule it breaks.
 */
export function parseRateLimits(raw: string, variable = 'GOVSHARE_RATE_LIMITS'): RateLimitsConfig {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    throw new ConfigError([`${variable}: not JSON (${(err as Error).message})`]);
  }
  const problems = [...Value.Errors(RateLimitsConfig, value)].map((e) => {
    const place = e.path.replace(/^\//, '').replaceAll('/', '.') || '(value)';
    return `${variable}: ${place}=${JSON.stringify(e.value) ?? 'missing'}: ${e.message}`;
  });
  if (problems.length) throw new ConfigError(problems);
  const config = value as RateLimitsConfig;
  // A burst below the sustained rate would make perSecond unreachable.
  for (const dept of ['default', ...Object.keys(config.departments ?? {})]) {
    const limits = dept === 'default' ? config.default : limitsOf(config, dept);
    if (limits.burst < limits.perSecond)
      problems.push(
        `${variable}: ${dept === 'default' ? 'default' : `departments.${dept}`}.burst=${limits.burst}: ` +
          `must be >= perSecond (${limits.perSecond})`,
      );
  }
  if (problems.length) throw new ConfigError(problems);
  return config;
}
