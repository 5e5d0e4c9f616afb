import { describe, expect, it } from 'vitest';
import { ConfigError } from '@govshare/platform/env';
import { limitsOf, offsetMs, parseRateLimits } from './config.ts';

const problemsOf = (raw: string): string[] => {
  try {
    parseRateLimits(raw);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe('GOVSHARE_RATE_LIMITS', () => {
  it('merges a department override over the default, field by field', () => {
    const config = parseRateLimits(
      '{"default":{"perSecond":50,"burst":100,"perDay":1000000},"departments":{"PSB":{"perDay":5}}}',
    );
    expect(limitsOf(config, 'PSB')).toEqual({ perSecond: 50, burst: 100, perDay: 5 });
    expect(limitsOf(config, 'MCA')).toEqual({ perSecond: 50, burst: 100, perDay: 1000000 });
  });

  it('names the place, the value and the rule of every bad value', () => {
    expect(problemsOf('{"default":{"perSecond":0,"burst":100,"perDay":1}}')).toEqual([
      expect.stringMatching(/^GOVSHARE_RATE_LIMITS: default\.perSecond=0: .*greater or equal to 1/),
    ]);
    expect(problemsOf('{"default":{"perSecond":5,"burst":10,"perDay":1},"departments":{"psb":{}}}')[0]).toMatch(
      /^GOVSHARE_RATE_LIMITS: departments\.psb=/,
    );
    expect(problemsOf('{"default":{"perSecond":5,"burst":10,"perDay":1},"departments":{"PSB":{"burst":2}}}')).toEqual([
      'GOVSHARE_RATE_LIMITS: departments.PSB.burst=2: must be >= perSecond (5)',
    ]);
    expect(problemsOf('{"default":{"perSecond":5,"burst":10,"perDay":1},"dayStartsAt":"08:00"}')[0]).toMatch(
      /dayStartsAt="08:00"/,
    );
    expect(problemsOf('{"default":{"perSecond":5,"burst":10}}')[0]).toMatch(/default\.perDay=missing/);
    expect(problemsOf('{"default":')[0]).toMatch(/^GOVSHARE_RATE_LIMITS: not JSON/);
  });

  it('reads a UTC offset', () => {
    expect(offsetMs('+08:00')).toBe(8 * 3600_000);
    expect(offsetMs('-05:30')).toBe(-(5.5 * 3600_000));
  });
});
