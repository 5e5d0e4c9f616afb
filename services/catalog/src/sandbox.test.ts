// The sandbox on a real database: exact answers for public data, differential privacy with a budget
// per dataset for private data, and the structural rules both share. Attacks: test/sandbox-attacks.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { eq } from 'drizzle-orm';
import type { Filter, SandboxQuery } from '@govshare/contracts';
import { addDepartment, openTestDb, testTargets } from './test-support.ts';
import { createDataset, type CatalogDb } from './datasets.ts';
import { batchItems, ingest } from './ingest.ts';
import { DAY_MS, manualClock } from './deadlines.ts';
import { compileDatasetSchema } from './data-dictionary.ts';
import { runSandboxQuery, TOUCHED_SUBJECTS_CAP, type SandboxAsk } from './sandbox.ts';
import { listStandardReleases, sandboxBudget, setSandboxBudget } from './sandbox-privacy.ts';
import { sandboxSpends } from './schema.ts';

const REGIONS = ['north', 'south', 'east', 'west', 'tiny'];
const schemaWith = (amount: Record<string, unknown>, region: Record<string, unknown> = { enum: REGIONS }) => ({
  type: 'object',
  properties: {
    id: { type: 'string', 'x-key': true },
    personId: { type: 'string', 'x-subject': true, 'x-sensitivity': 'sensitive', 'x-mask': 'hash' },
    name: { type: 'string', 'x-sensitivity': 'personal' },
    region: { type: 'string', 'x-dimension': true, ...region },
    amount: { type: 'number', minimum: 0, ...amount },
  },
  required: ['id', 'personId', 'region', 'amount'],
  additionalProperties: false,
});
/** Public amounts: exact answers for anyone. */
const PUBLIC = schemaWith({ 'x-sensitivity': 'public', 'x-contribution-bound': 1000 });
/** Amounts without declared sensitivity: personal in the sandbox. */
const BOUNDED = schemaWith({ 'x-contribution-bound': 2000 });

interface Row {
  id: string;
  personId: string;
  name: string;
  region: string;
  amount: number;
}
/** 120 records of 90 people (some have two or three), region "tiny" holding few. */
function rowsFor(prefix: string, n: number, seedShift: number): Row[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}${i}`,
    personId: `p${String((i * 7 + seedShift) % 90).padStart(4, '0')}`,
    name: `n${i}`,
    region: i % 25 === 0 ? 'tiny' : REGIONS[i % 4]!,
    amount: ((i * 37) % 500) + 0.5,
  }));
}
/** Every order of three regions: one meaning, six distinct questions (each gets fresh noise and pays for it). */
const ORDERS = [
  ['north', 'south', 'east'],
  ['north', 'east', 'south'],
  ['south', 'north', 'east'],
  ['south', 'east', 'north'],
  ['east', 'north', 'south'],
  ['east', 'south', 'north'],
];
const round2 = (x: number) => Math.round(x * 100) / 100;
const rule = (p: Promise<unknown>) =>
  p.then(
    () => 'answered',
    (e) => e.details?.rule ?? e.message,
  );

describe.each(testTargets)('sandbox on $name', ({ url }) => {
  let db: CatalogDb;
  let close: () => Promise<void>;
  const rows = rowsFor('b', 120, 0);
  const other = rowsFor('c', 80, 3);
  const datasetOf = async (
    id: string,
    ownerDept: string,
    tier: 'INTERNAL' | 'RESTRICTED' | 'SECRET',
    schema: object,
    data: Row[],
  ) => {
    await createDataset(db, { id, title: id, ownerDept, tier, schema: schema as any });
    await ingest(db, id, 'append', batchItems(data));
  };
  beforeAll(async () => {
    ({ db, close } = await openTestDb(url));
    for (const d of ['OWN', 'TWO', 'ANA', 'ANB', 'ANC', 'AND']) await addDepartment(db, d);
    await datasetOf('open', 'OWN', 'INTERNAL', PUBLIC, rows);
    await datasetOf('open-2', 'TWO', 'INTERNAL', PUBLIC, other);
    // No x-subject: its answers are compared in its own scope, apart from the people of the others.
    const { personId: _p, ...props } = PUBLIC.properties;
    const anonymous = { ...PUBLIC, properties: { ...props, personId: { type: 'string' } } };
    await datasetOf('open-3', 'TWO', 'INTERNAL', anonymous, other);
    await datasetOf('open-4', 'OWN', 'INTERNAL', anonymous, rows);
    await datasetOf('private', 'OWN', 'RESTRICTED', BOUNDED, rows);
    await datasetOf('private-b', 'OWN', 'SECRET', BOUNDED, rows);
    await datasetOf('private-c', 'OWN', 'SECRET', BOUNDED, rows);
    await datasetOf('unbounded', 'TWO', 'SECRET', schemaWith({}, {}), other);
  });
  afterAll(() => close?.());

  /** Exact figures from the raw rows, per subject as the sandbox counts them. */
  function exactly(data: Row[], regions: string[] | undefined, grouped: boolean, k = 10, dominance = 0.5) {
    const hits = data.filter((r) => !regions || regions.includes(r.region));
    const persons = (xs: Row[]) => new Set(xs.map((r) => r.personId.toUpperCase()));
    if (persons(hits).size < k || (regions && persons(data).size - persons(hits).size < k)) return 'query-set-size';
    const groups = new Map<string, Row[]>();
    for (const r of hits) groups.set(grouped ? r.region : '', [...(groups.get(grouped ? r.region : '') ?? []), r]);
    return [...groups]
      .filter(([, xs]) => {
        const per = new Map<string, number>();
        for (const r of xs) per.set(r.personId, (per.get(r.personId) ?? 0) + r.amount);
        const total = xs.reduce((a, r) => a + r.amount, 0);
        return persons(xs).size >= k && Math.max(...per.values()) <= dominance * total;
      })
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, xs]) => {
        const sum = xs.reduce((a, r) => a + r.amount, 0);
        return {
          key: grouped ? { region: key } : {},
          count: xs.length,
          subjects: persons(xs).size,
          values: [xs.length, round2(sum), Math.min(...xs.map((r) => r.amount))],
          margins: [0, 0, 0],
        };
      });
  }

  it('property: exact answers equal an evaluation of the raw rows; small groups are left out unannounced', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.option(fc.subarray(REGIONS, { minLength: 1 }), { nil: undefined }),
        async (grouped, regions) => {
          // The owner's own data: exact, and no differencing history to get in the way.
          const q: SandboxAsk = {
            callerDept: 'OWN',
            dataset: 'open',
            groupBy: grouped ? ['region'] : [],
            measures: [{ fn: 'count' }, { fn: 'sum', field: 'amount' }, { fn: 'min', field: 'amount' }],
          };
          if (regions) q.where = { field: 'region', op: 'in', value: regions };
          const want = exactly(rows, regions, grouped);
          const got = await runSandboxQuery(db, q).catch((e) => e.details?.rule);
          if (want === 'query-set-size') return void expect(got).toBe('query-set-size');
          expect(got.groups).toEqual(want);
          expect(got.privacy).toMatchObject({ mode: 'exact', epsilon: 0 });
          expect(Object.keys(got)).not.toContain('suppressedGroups');
        },
      ),
      { numRuns: 30 },
    );
  });

  it('exact sums follow the dataset’s dominance share: a group where one person is more of the total is left out', async () => {
    await datasetOf('open-dominance', 'OWN', 'INTERNAL', PUBLIC, rows);
    const q: SandboxAsk = {
      callerDept: 'OWN',
      dataset: 'open-dominance',
      groupBy: ['region'],
      measures: [{ fn: 'count' }, { fn: 'sum', field: 'amount' }, { fn: 'min', field: 'amount' }],
    };
    const before = await runSandboxQuery(db, q);
    await setSandboxBudget(db, 'open-dominance', { by: 'admin', dominanceShare: 0.05 }, new Date());
    const after = await runSandboxQuery(db, q);
    const want = exactly(rows, undefined, true, 10, 0.05) as { key: object }[];
    expect(after.groups).toEqual(want);
    expect(after.groups.length).toBeLessThan(before.groups.length); // the share made a difference
  });

  it('refuses what would single out a subject: non-dimensions, identifiers, MIN/MAX and unbounded sums of private data; generic reasons', async () => {
    const q = (o: Partial<SandboxAsk>, dept = 'ANA') =>
      runSandboxQuery(db, { callerDept: dept, dataset: 'private', measures: [{ fn: 'count' }], ...o });
    expect(await rule(q({ groupBy: ['name'] }))).toBe('not-a-dimension');
    for (const field of ['personId', 'amount', 'id'])
      expect(await rule(q({ where: { field, op: 'eq', value: 'x' } as Filter }))).toBe('sandbox-filter-field');
    expect(await rule(q({ measures: [{ fn: 'sum', field: 'region' }] }))).toBe('measure-type');
    expect(await rule(q({ measures: [{ fn: 'min', field: 'amount' }] }))).toBe('sandbox-min-max');
    expect(await rule(q({ measures: [{ fn: 'max', field: 'amount' }] }))).toBe('sandbox-min-max');
    expect(await rule(q({ dataset: 'unbounded', measures: [{ fn: 'sum', field: 'amount' }] }))).toBe(
      'contribution-bound',
    );
    expect(await rule(q({ dataset: 'unbounded', groupBy: ['region'] }))).toBe('dimension-domain');
    expect(await rule(q({ join: { dataset: 'private-b', on: 'personId' } }))).toBe('join-same-department');
    // The owner may take MIN of its own data (it reads the rows anyway).
    expect(await rule(q({ measures: [{ fn: 'min', field: 'amount' }] }, 'OWN'))).toBe('answered');
    // A filter that leaves fewer than k subjects in, or out: refused, saying nothing of how many.
    const tiny = await q({ where: { field: 'region', op: 'eq', value: 'tiny' } }).catch((e) => e);
    const allButTiny = await q({
      where: { field: 'region', op: 'in', value: ['north', 'south', 'east', 'west'] },
    }).catch((e) => e);
    for (const e of [tiny, allButTiny]) {
      expect(e.details.rule).toBe('query-set-size');
      expect(e.message).not.toMatch(/\d/);
    }
    // The data dictionary refuses dimensions that identify: a subject, the only key, a date.
    const dictionaryRule = (props: Record<string, unknown>) => {
      try {
        compileDatasetSchema({
          type: 'object',
          properties: { id: { type: 'string', 'x-key': true }, ...props },
          required: ['id'],
        });
        return 'accepted';
      } catch (e: any) {
        return e.details.problems[0].rule;
      }
    };
    expect(dictionaryRule({ pid: { type: 'string', 'x-subject': true, 'x-dimension': true } })).toBe(
      'dimension-identifier',
    );
    expect(dictionaryRule({ id: { type: 'string', 'x-key': true, 'x-dimension': true } })).toBe('dimension-identifier');
    expect(dictionaryRule({ born: { type: 'string', format: 'date', 'x-dimension': true } })).toBe('dimension-date');
    expect(dictionaryRule({ n: { type: 'string', 'x-contribution-bound': 5 } })).toBe('contribution-bound-type');
  });

  it('exact answers: overlap control compares answers across departments (two departments cooperating are one attacker)', async () => {
    // ANA asks the total; ANB asks by region, whose released groups add up to the total minus the
    // small "tiny" group: together they would tell that group's figures.
    expect(await rule(runSandboxQuery(db, { callerDept: 'ANA', dataset: 'open-3', measures: [{ fn: 'count' }] }))).toBe(
      'answered',
    );
    expect(
      await rule(
        runSandboxQuery(db, { callerDept: 'ANB', dataset: 'open-3', groupBy: ['region'], measures: [{ fn: 'count' }] }),
      ),
    ).toBe('differencing');
    // The same question again is answered, to anyone.
    expect(await rule(runSandboxQuery(db, { callerDept: 'ANC', dataset: 'open-3', measures: [{ fn: 'count' }] }))).toBe(
      'answered',
    );
    // People (x-subject) are compared across datasets and joins: everyone in one dataset, then
    // everyone in it who is also in another, would name the few who are not.
    // (open holds 90 people, of whom 80 are in open-2: a difference of 10, under k = 11.)
    expect(
      await rule(runSandboxQuery(db, { callerDept: 'ANA', dataset: 'open', measures: [{ fn: 'count' }] }, { k: 11 })),
    ).toBe('answered');
    expect(
      await rule(
        runSandboxQuery(
          db,
          {
            callerDept: 'ANB',
            dataset: 'open-2',
            join: { dataset: 'open', on: 'personId' },
            measures: [{ fn: 'count' }],
          },
          { k: 11 },
        ),
      ),
    ).toBe('differencing');
  });

  it('joint analysis of public data across departments matches the raw rows', async () => {
    // Neither names a subject: the join's answers are compared within its own scope only.
    const res = await runSandboxQuery(db, {
      callerDept: 'ANA',
      dataset: 'open-3',
      join: { dataset: 'open-4', on: 'personId' },
      groupBy: ['open-4.region'],
      measures: [{ fn: 'count' }, { fn: 'sum', field: 'open-3.amount' }],
    });
    const byRegion = new Map<string, { pairs: number; persons: Set<string>; sum: number; per: Map<string, number> }>();
    for (const l of other)
      for (const r of rows) {
        if (l.personId !== r.personId) continue;
        const g = byRegion.get(r.region) ?? { pairs: 0, persons: new Set(), sum: 0, per: new Map() };
        g.pairs++;
        g.persons.add(l.personId);
        g.sum += l.amount;
        g.per.set(l.personId, (g.per.get(l.personId) ?? 0) + l.amount);
        byRegion.set(r.region, g);
      }
    const released = [...byRegion]
      .filter(([, g]) => g.persons.size >= 10 && Math.max(...g.per.values()) <= 0.5 * g.sum)
      .sort(([a], [b]) => a.localeCompare(b));
    expect(released.length).toBeGreaterThan(0);
    expect(res.scope).toBe('open-3×open-4:personId');
    expect(res.groups).toEqual(
      released.map(([region, g]) => ({
        key: { 'open-4.region': region },
        count: g.pairs,
        subjects: g.persons.size,
        values: [g.pairs, round2(g.sum)],
        margins: [0, 0],
      })),
    );
  });

  it('private answers: noisy over every declared group, stored and repeated free, paid from a yearly budget per dataset with a share per department', async () => {
    const clock = manualClock(new Date('2026-06-01T00:00:00Z'));
    await setSandboxBudget(
      db,
      'private',
      { by: 'admin', epsilonPerYear: 10, epsilonPerQuery: 2, departmentShare: 0.4 },
      clock(),
    );
    const grouped: SandboxQuery = {
      dataset: 'private',
      groupBy: ['region'],
      measures: [{ fn: 'count' }, { fn: 'sum', field: 'amount' }],
    };
    const first = await runSandboxQuery(db, { ...grouped, callerDept: 'ANA' }, { clock });
    expect(first.privacy).toMatchObject({
      mode: 'differential',
      mechanism: 'discrete-laplace',
      epsilon: 2,
      cached: false,
      epsilonPerStatistic: 1,
      datasetEpsilonLeft: 8,
      departmentEpsilonLeft: 2,
    });
    for (const g of first.groups) {
      expect(REGIONS).toContain(g.key.region);
      expect(g.subjects).toBeGreaterThanOrEqual(10);
      expect(g.margins[0]).toBeGreaterThan(0);
      expect(g.margins[1]).toBeGreaterThan(g.margins[0]!);
    }
    expect(first.groups.map((g) => g.key.region)).not.toContain('tiny'); // 5 people: a noisy count of 10 or more is all but impossible
    // Asked again, by anyone: the same answer, free (averaging the noise away would need fresh answers).
    const again = await runSandboxQuery(db, { ...grouped, callerDept: 'ANB' }, { clock });
    expect(again.groups).toEqual(first.groups);
    expect(again.privacy).toMatchObject({ epsilon: 0, cached: true });
    // Fresh questions: ANA's share (0.4 x 10 = 4) pays for two; then the dataset's 10 runs out for all.
    const fresh = (dept: string, regions: string[]) =>
      rule(
        runSandboxQuery(
          db,
          {
            dataset: 'private',
            where: { field: 'region', op: 'in', value: regions },
            measures: [{ fn: 'count' }],
            callerDept: dept,
          },
          { clock },
        ),
      );
    expect(await fresh('ANA', ['north', 'south', 'east'])).toBe('answered');
    expect(await fresh('ANA', ['south', 'east', 'north'])).toBe('privacy-budget');
    expect(await fresh('ANB', ['south', 'east', 'north'])).toBe('answered');
    expect(await fresh('ANB', ['east', 'north', 'south'])).toBe('answered');
    expect(await fresh('ANC', ['north', 'east', 'south'])).toBe('answered');
    expect(await fresh('AND', ['east', 'south', 'north'])).toBe('privacy-budget');
    const budget = await sandboxBudget(db, 'private', clock());
    expect(budget).toMatchObject({ epsilonPerYear: 10, spent: 10, left: 0 });
    expect(Object.fromEntries(budget.byAccount.map((a) => [a.account, a.spent]))).toEqual({ ANA: 4, ANB: 4, ANC: 2 });
    // A year later the budget is back (a rolling 365 days).
    clock.advance(366 * DAY_MS);
    expect(await fresh('AND', ['east', 'south', 'north'])).toBe('answered');
  });

  it('spending is atomic: concurrent fresh questions get exactly what the budget pays for', async () => {
    const clock = manualClock(new Date('2026-06-01T00:00:00Z'));
    await setSandboxBudget(
      db,
      'private-b',
      { by: 'admin', epsilonPerYear: 6, epsilonPerQuery: 2, departmentShare: 1 },
      clock(),
    );
    const orders = ORDERS;
    const outcomes = await Promise.all(
      orders.map((o) =>
        rule(
          runSandboxQuery(
            db,
            {
              callerDept: 'ANA',
              dataset: 'private-b',
              where: { field: 'region', op: 'in', value: o },
              measures: [{ fn: 'count' }],
            },
            { clock },
          ),
        ),
      ),
    );
    expect(outcomes.filter((o) => o === 'answered')).toHaveLength(3);
    expect(outcomes.filter((o) => o === 'privacy-budget')).toHaveLength(3);
    expect(await db.select().from(sandboxSpends).where(eq(sandboxSpends.datasetId, 'private-b'))).toHaveLength(3);
  });

  it('a standard table: published by the owner from the dataset’s budget, then free for everyone', async () => {
    const clock = manualClock(new Date('2026-06-01T00:00:00Z'));
    const table: SandboxQuery = {
      dataset: 'private-c',
      groupBy: ['region'],
      measures: [{ fn: 'count' }, { fn: 'avg', field: 'amount' }],
    };
    const published = await runSandboxQuery(db, { ...table, callerDept: 'OWN' }, { clock, release: true });
    expect(published.privacy).toMatchObject({ mode: 'differential', epsilon: 2, departmentEpsilonLeft: null });
    const [listed] = await listStandardReleases(db, 'private-c');
    expect(listed).toMatchObject({ query: table, epsilon: 2, result: { groups: published.groups } });
    const read = await runSandboxQuery(db, { ...table, callerDept: 'ANA' }, { clock });
    expect(read.groups).toEqual(published.groups);
    expect(read.privacy).toMatchObject({ epsilon: 0, cached: true });
    expect((await sandboxBudget(db, 'private-c', clock())).byAccount).toEqual([{ account: 'release', spent: 2 }]);
  });

  it('noisy answers are unbiased and 95% of them fall within the margin they state', async () => {
    await setSandboxBudget(
      db,
      'private-c',
      { by: 'admin', epsilonPerYear: 10_000, epsilonPerQuery: 1, departmentShare: 1 },
      new Date(),
    );
    const truth = exactly(rows, ['north', 'south', 'east'], false) as { values: number[] }[];
    const [count, sum] = [truth[0]!.values[0]!, truth[0]!.values[1]!];
    const persons = new Set(rows.filter((r) => r.region !== 'west' && r.region !== 'tiny').map((r) => r.personId)).size;
    // Equivalent filters written differently: distinct questions, so each gets fresh noise.
    const orders = ORDERS;
    const wraps = [
      (f: Filter): Filter => f,
      (f: Filter): Filter => ({ and: [f] }),
      (f: Filter): Filter => ({ or: [f] }),
      (f: Filter): Filter => ({ and: [{ or: [f] }] }),
    ];
    const errors: { c: number; s: number; inC: boolean; inS: boolean }[] = [];
    for (const o of orders)
      for (const w of wraps)
        for (const extra of [[], [o[0]!], [o[1]!], [o[0]!, o[1]!]]) {
          const where = w({ field: 'region', op: 'in', value: [...o, ...extra] });
          const res = await runSandboxQuery(db, {
            callerDept: 'ANA',
            dataset: 'private-c',
            where,
            measures: [{ fn: 'count' }, { fn: 'sum', field: 'amount' }],
          });
          const g = res.groups[0]!;
          errors.push({
            c: g.values[0]! - persons,
            s: g.values[1]! - sum,
            inC: Math.abs(g.values[0]! - persons) <= g.margins[0]!,
            inS: Math.abs(g.values[1]! - sum) <= g.margins[1]! + 0.01,
          });
        }
    expect(count).toBeGreaterThan(persons); // the sandbox counts people, not records
    expect(errors).toHaveLength(96);
    expect(errors.filter((e) => e.c !== 0).length).toBeGreaterThan(10); // noise is there
    // Coverage of the stated 95% intervals: 96 draws, at least 78 inside. A correct margin fails this
    // with probability 3.5e-7 (binomial, coverage 0.949); a margin half as wide is caught 3 times in 4.
    expect(errors.filter((e) => e.inC).length).toBeGreaterThanOrEqual(78);
    expect(errors.filter((e) => e.inS).length).toBeGreaterThanOrEqual(78);
    // Unbiased: the mean count error within 4 standard errors (discrete Laplace, scale 2: sd ≈ 2.8).
    const mean = errors.reduce((a, e) => a + e.c, 0) / errors.length;
    expect(Math.abs(mean)).toBeLessThan((4 * 2.9) / Math.sqrt(errors.length));
  });

  it('a filtered query reports the subjects it touched (for the audit log), when few', async () => {
    const res = await runSandboxQuery(db, {
      callerDept: 'OWN',
      dataset: 'open',
      where: { field: 'region', op: 'in', value: ['north', 'south'] },
      measures: [{ fn: 'count' }],
    });
    const want = [
      ...new Set(rows.filter((r) => r.region === 'north' || r.region === 'south').map((r) => r.personId.toUpperCase())),
    ].sort();
    expect(want.length).toBeLessThanOrEqual(TOUCHED_SUBJECTS_CAP);
    expect(res.touchedSubjects).toEqual(want);
    expect(
      (await runSandboxQuery(db, { callerDept: 'OWN', dataset: 'open', measures: [{ fn: 'count' }] })).touchedSubjects,
    ).toBeUndefined();
  });

  it('a department gets a bounded number of sandbox queries per 24 hours', async () => {
    const clock = manualClock(new Date('2026-11-02T01:00:00Z'));
    const q: SandboxAsk = { callerDept: 'QUOTA', dataset: 'open', measures: [{ fn: 'count' }] };
    await addDepartment(db, 'QUOTA');
    for (let i = 0; i < 3; i++) await runSandboxQuery(db, q, { clock, dailyBudget: 3 });
    expect(await runSandboxQuery(db, q, { clock, dailyBudget: 3 }).catch((e) => e.details)).toEqual({
      rule: 'sandbox-budget',
      budget: 3,
    });
    // Malformed queries do not count; a day later the quota is back.
    expect(await rule(runSandboxQuery(db, { ...q, groupBy: ['name'] }, { clock, dailyBudget: 3 }))).toBe(
      'not-a-dimension',
    );
    clock.advance(DAY_MS + 1);
    expect((await runSandboxQuery(db, q, { clock, dailyBudget: 3 })).groups[0]!.count).toBe(120);
  });
});
