// The five attacks that recovered a resident's SECRET medical claim to the cent (issue 11), run
// against a real hub on the demo data with a known target, as another department would. Each must
// fail: refused before anything is read, or answered with noise that the budget keeps large. Then the
// guarantee itself, over repeated trials on two datasets that differ by the target only, and the
// utility side: how close noisy answers are for groups of ~150 people at the default ε.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SCHEMAS } from '@govshare/catalog';
import { backends, codes, startHub, type Hub } from './hub.ts';

const SANDBOX = `query S($q: SandboxQuery!) { sandboxAggregate(query: $q) { groups { key count subjects values margins } privacy { mode epsilon cached } } }`;
const HOSPITALS = DEMO_SCHEMAS['medical-insurance'].schema.properties.hospital!.enum as string[];

/** Every ordering of xs (distinct questions with one meaning: each gets fresh noise, and pays for it). */
const permutations = <T>(xs: T[]): T[][] =>
  xs.length <= 1
    ? [xs]
    : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));

describe.each(backends())('sandbox attacks (%s)', (backend) => {
  let hub: Hub;
  beforeAll(async () => {
    hub = await startHub(backend, { demoScale: 1 }); // the demo at full size: ~160 people per hospital
  });
  afterAll(() => hub?.close());

  const as = (dept: string, roles: any[], sub?: string) => hub.token(dept, roles, sub ? { sub } : {});
  const gql = async (token: string, query: string, variables?: Record<string, unknown>) =>
    (await hub.gql(token, query, variables)).body;
  const ask = async (token: string, q: Record<string, unknown>) => gql(token, SANDBOX, { q });
  const spentBy = async (dataset: string) => {
    const b = await gql(
      await as('NHC', ['admin'], 'nhc-admin'),
      `query B($d: ID!) { sandboxBudget(dataset: $d) { spent } }`,
      { d: dataset },
    );
    return b.data.sandboxBudget.spent as number;
  };

  /** Claims as their owner sees them (rows of SECRET data are the owner's only). */
  async function claims(): Promise<{ idNumber: string; hospital: string; claimAmount: number; visitDate: string }[]> {
    const token = await as('NHC', ['consumer']);
    const out: any[] = [];
    let after: string | undefined;
    for (;;) {
      const { data } = await gql(
        token,
        `query R($a: String) { records(dataset: "medical-insurance", fields: ["idNumber","hospital","claimAmount","visitDate"], first: 100, after: $a) { nodes { data } pageInfo { endCursor hasNextPage } } }`,
        { a: after },
      );
      out.push(...data.records.nodes.map((n: any) => n.data));
      if (!data.records.pageInfo.hasNextPage) return out;
      after = data.records.pageInfo.endCursor;
    }
  }

  it('the five attacks of issue 11 recover nothing: each is refused before it reads, or gets noise', async () => {
    const all = await claims();
    const target = all.find((c) => all.filter((d) => d.idNumber === c.idNumber).length === 1 && c.claimAmount > 32000)!;
    expect(target).toBeDefined();
    const samr = await as('SAMR', ['consumer'], 'samr-attacker'); // holds no medical data
    const hrss = await as('HRSS', ['consumer'], 'hrss-attacker');
    const before = await spentBy('medical-insurance');
    const birthDate = `${target.idNumber.slice(6, 10)}-${target.idNumber.slice(10, 12)}-${target.idNumber.slice(12, 14)}`;

    // 1. Membership oracle: the count of suppressed groups is gone; narrowing to one person by the
    //    registry's birth date, or bisecting on the amount, the visit date or the ID, is refused.
    const suppressed = await gql(
      samr,
      `{ sandboxAggregate(query: { dataset: "medical-insurance", measures: [{ fn: COUNT }] }) { suppressedGroups } }`,
    );
    expect(suppressed.errors[0].message).toMatch(/Cannot query field "suppressedGroups"/);
    const oracle = [
      {
        dataset: 'medical-insurance',
        join: { dataset: 'resident-registry', on: 'idNumber', where: { field: 'birthDate', eq: birthDate } },
        groupBy: ['hospital'],
        measures: [{ fn: 'COUNT' }],
      },
      { dataset: 'resident-registry', where: { field: 'birthDate', eq: birthDate }, measures: [{ fn: 'COUNT' }] },
      {
        dataset: 'medical-insurance',
        where: { field: 'claimAmount', gte: target.claimAmount },
        measures: [{ fn: 'COUNT' }],
      },
      {
        dataset: 'medical-insurance',
        where: { field: 'visitDate', eq: target.visitDate },
        measures: [{ fn: 'COUNT' }],
      },
      {
        dataset: 'medical-insurance',
        where: { field: 'idNumber', eq: target.idNumber },
        measures: [{ fn: 'SUM', field: 'claimAmount' }],
      },
    ];
    for (const q of oracle) expect(codes(await ask(samr, q))).toEqual(['BAD_USER_INPUT']);

    // 2. Two departments cooperating, one with the target and one without: no filter can leave one
    //    person out (dimensions only, ≥ k in and out); the nearest pair differs by a whole hospital.
    const everyone = await ask(samr, { dataset: 'medical-insurance', measures: [{ fn: 'SUM', field: 'claimAmount' }] });
    const others = HOSPITALS.filter((h) => h !== target.hospital);
    const withoutHospital = await ask(hrss, {
      dataset: 'medical-insurance',
      where: { field: 'hospital', in: others },
      measures: [{ fn: 'SUM', field: 'claimAmount' }],
    });
    const estimate =
      everyone.data.sandboxAggregate.groups[0].values[0] - withoutHospital.data.sandboxAggregate.groups[0].values[0];
    expect(Math.abs(estimate - target.claimAmount)).toBeGreaterThan(1000); // a hospital's total, not one claim

    // 3. Denning's general tracker T+C, T+¬C, everyone: C must single out the target (her birth date,
    //    her hospital and amount), which no sandbox filter can say.
    const C = {
      and: [
        { field: 'hospital', eq: target.hospital },
        { field: 'claimAmount', gte: target.claimAmount },
      ],
    };
    const T = { field: 'hospital', in: HOSPITALS.slice(0, 3) };
    expect(
      codes(
        await ask(samr, {
          dataset: 'medical-insurance',
          where: { or: [T, C] },
          measures: [{ fn: 'SUM', field: 'claimAmount' }],
        }),
      ),
    ).toEqual(['BAD_USER_INPUT']);
    expect(
      codes(
        await ask(samr, {
          dataset: 'medical-insurance',
          where: { or: [T, { field: 'claimAmount', lt: target.claimAmount }] },
          measures: [{ fn: 'SUM', field: 'claimAmount' }],
        }),
      ),
    ).toEqual(['BAD_USER_INPUT']);

    // 4. MIN over a group of ≥ k made to have the target as its minimum: no MIN/MAX of SECRET data.
    expect(
      codes(
        await ask(samr, {
          dataset: 'medical-insurance',
          where: { field: 'hospital', eq: target.hospital },
          measures: [{ fn: 'MIN', field: 'claimAmount' }],
        }),
      ),
    ).toEqual(['BAD_USER_INPUT']);

    // 5. A refusal that confirms membership ("differ by 1 subject"): a refusal that depends on the data
    //    says one generic sentence with no count, whatever its cause.
    const wholeMinusNothing = await ask(samr, {
      dataset: 'medical-insurance',
      where: { field: 'hospital', in: HOSPITALS },
      measures: [{ fn: 'COUNT' }],
    });
    expect(codes(wholeMinusNothing)).toEqual(['FORBIDDEN']);
    expect(wholeMinusNothing.errors[0].message).not.toMatch(/\d/);

    // Refused queries read nothing and spend nothing; the two answered ones paid ε 2 each.
    expect((await spentBy('medical-insurance')) - before).toBeCloseTo(4, 6);
    // The probes are on record: the auditor sees them, and an alert rule watches for bursts.
    const events = await gql(
      await as('PSB', ['auditor']),
      `{ auditEvents(filter: { action: "sandbox.aggregate", dept: "SAMR" }, first: 50) { nodes { outcome } } }`,
    );
    expect(events.data.auditEvents.nodes.length).toBeGreaterThanOrEqual(oracle.length + 5);
  });

  it('the guarantee over repeated trials: an attacker who knows everyone but the target cannot tell whether she is in', async () => {
    // Two datasets that differ by one person: the target, with a 40,000 yuan claim at the first hospital.
    const steward = await as('NHC', ['steward'], 'nhc-steward');
    const schema = DEMO_SCHEMAS['medical-insurance'].schema;
    const person = (i: number) => `110101198001${String(10 + (i % 18)).padStart(2, '0')}${String(1000 + i).slice(-4)}`;
    const base = Array.from({ length: 150 }, (_, i) => ({
      claimNo: `T${i}`,
      idNumber: person(i),
      name: `人${i}`,
      diagnosisCode: 'J18.9',
      hospital: HOSPITALS[i % HOSPITALS.length],
      claimAmount: 1000 + ((i * 797) % 30000),
      visitDate: '2024-03-01',
    }));
    const targetRow = {
      claimNo: 'TARGET',
      idNumber: '11010119750505123X',
      name: '目标',
      diagnosisCode: 'C50.9',
      hospital: HOSPITALS[0],
      claimAmount: 40000,
      visitDate: '2024-03-02',
    };
    for (const [id, rows] of [
      ['trial-with', [...base, targetRow]],
      ['trial-without', base],
    ] as const) {
      const created = await gql(steward, `mutation C($i: CreateDatasetInput!) { createDataset(input: $i) { id } }`, {
        i: { id, title: id, ownerDept: 'NHC', tier: 'SECRET', schema },
      });
      expect(created.errors).toBeUndefined();
      expect(
        (
          await gql(
            steward,
            `mutation I($d: ID!, $r: [JSON!]!) { ingestRecords(dataset: $d, records: $r) { accepted } }`,
            { d: id, r: rows },
          )
        ).errors,
      ).toBeUndefined();
      // A small ε per question so that one answer tells little; plenty of questions for the trials.
      const set = await gql(
        steward,
        `mutation B($d: ID!) { setSandboxBudget(dataset: $d, epsilonPerYear: 1000, epsilonPerQuery: 0.2, departmentShare: 1) { epsilonPerQuery } }`,
        { d: id },
      );
      expect(set.errors).toBeUndefined();
    }
    // The attacker knows the exact count and sum without the target (the strongest adversary).
    const inFilter = base.filter((r) => r.hospital !== HOSPITALS[5]);
    const c0 = inFilter.length;
    const s0 = inFilter.reduce((a, r) => a + r.claimAmount, 0);
    const epsStat = 0.1; // 0.2 split over the count and the sum
    const bound = 80000;
    // The most powerful test (Neyman–Pearson for Laplace noise): the log-likelihood ratio of in vs out.
    const llr = (c: number, s: number) =>
      epsStat * (Math.abs(c - c0) - Math.abs(c - c0 - 1)) +
      (epsStat / bound) * (Math.abs(s - s0) - Math.abs(s - s0 - targetRow.claimAmount));
    const questions = permutations(HOSPITALS.slice(0, 5)).slice(0, 60);
    const attacker = await as('SAMR', ['consumer'], 'samr-attacker');
    const trial = async (token: string, dataset: string, hospitals: string[]) => {
      const res = await ask(token, {
        dataset,
        where: { field: 'hospital', in: hospitals },
        measures: [{ fn: 'COUNT' }, { fn: 'SUM', field: 'claimAmount' }],
      });
      expect(res.errors).toBeUndefined();
      const g = res.data.sandboxAggregate.groups[0];
      return llr(g.values[0], g.values[1]) > 0;
    };
    let right = 0;
    const errors: number[] = [];
    for (const [i, hospitals] of questions.entries()) {
      const inside = i % 2 === 0;
      const dataset = inside ? 'trial-with' : 'trial-without';
      if ((await trial(attacker, dataset, hospitals)) === inside) right++;
      if (inside) {
        const res = await ask(attacker, {
          dataset,
          where: { field: 'hospital', in: [...hospitals].reverse() },
          measures: [{ fn: 'SUM', field: 'claimAmount' }],
        });
        errors.push(res.data.sandboxAggregate.groups[0].values[0] - s0 - targetRow.claimAmount);
      }
    }
    // ε-DP bounds any test's accuracy at e^ε/(1+e^ε) = 0.55 for ε = 0.2 (balanced trials); the measured
    // rate stays under it plus 4 standard errors (an exact answer would score 1.0).
    const accuracy = right / questions.length;
    expect(accuracy).toBeLessThanOrEqual(Math.exp(0.2) / (1 + Math.exp(0.2)) + 4 * Math.sqrt(0.25 / questions.length));
    // Her amount estimated from a sum: the error is the noise, sd √2·bound/ε per statistic (0.1: a
    // query's ε is split over its count, always computed, and its sum).
    const rmse = Math.sqrt(errors.reduce((a, e) => a + e * e, 0) / errors.length);
    // (0.35 of it: 30 draws fall under that with probability below 1 in 20,000, simulated.)
    expect(rmse).toBeGreaterThan(0.35 * ((Math.SQRT2 * bound) / epsStat));
    console.log(
      `sandbox attack trials (${backend}): membership accuracy ${accuracy.toFixed(2)} over ${questions.length} trials (ε-DP bound 0.55); amount estimate RMSE ${Math.round(rmse)} yuan for a 40000 yuan claim`,
    );

    // Control: the owner's exact answers let the same test win every time (the check can fail).
    const owner = await as('NHC', ['consumer']);
    for (const [i, hospitals] of questions.slice(0, 6).entries())
      expect(await trial(owner, i % 2 === 0 ? 'trial-with' : 'trial-without', hospitals)).toBe(i % 2 === 0);
  });

  it('utility: groups of ~150 people at the default ε per query, counts within about ±2% and sums within about ±10%', async () => {
    const all = await claims();
    // What the sandbox computes: each person once, in one hospital (the first by md5 of the hospital),
    // the person's claims there summed and clamped to the declared bound (80,000).
    const md5 = (s: string) => createHash('md5').update(s).digest('hex');
    const asked = HOSPITALS.slice(0, 5); // every question below filters to these five (in some order)
    const byPerson = new Map<string, Map<string, number>>();
    for (const c of all.filter((x) => asked.includes(x.hospital))) {
      const p = c.idNumber.trim().toUpperCase();
      const m = byPerson.get(p) ?? new Map();
      m.set(c.hospital, (m.get(c.hospital) ?? 0) + c.claimAmount);
      byPerson.set(p, m);
    }
    const truth = new Map<string, { count: number; sum: number }>();
    for (const m of byPerson.values()) {
      const [hospital, amount] = [...m].sort(([a], [b]) => (md5(a) < md5(b) ? -1 : 1))[0]!;
      const t = truth.get(hospital) ?? { count: 0, sum: 0 };
      t.count++;
      t.sum += Math.min(amount, 80000);
      truth.set(hospital, t);
    }
    const admin = await as('PSB', ['admin'], 'psb-admin');
    expect(
      (
        await gql(
          admin,
          `mutation { setSandboxBudget(dataset: "medical-insurance", epsilonPerYear: 1000, departmentShare: 1) { epsilonPerQuery } }`,
        )
      ).data.setSandboxBudget.epsilonPerQuery,
    ).toBe(2);
    const mca = await as('MCA', ['consumer'], 'mca-analyst');
    const countErr: number[] = [];
    const sumErr: number[] = [];
    const sizes: number[] = [];
    for (const hospitals of permutations(asked).slice(0, 10)) {
      const res = await ask(mca, {
        dataset: 'medical-insurance',
        where: { field: 'hospital', in: hospitals },
        groupBy: ['hospital'],
        measures: [{ fn: 'COUNT' }, { fn: 'SUM', field: 'claimAmount' }],
      });
      expect(res.errors).toBeUndefined();
      expect(res.data.sandboxAggregate.privacy).toMatchObject({ mode: 'DIFFERENTIAL', epsilon: 2 });
      for (const g of res.data.sandboxAggregate.groups) {
        const t = truth.get(g.key.hospital)!;
        sizes.push(t.count);
        countErr.push(Math.abs(g.values[0] - t.count) / t.count);
        sumErr.push(Math.abs(g.values[1] - t.sum) / t.sum);
      }
    }
    const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.ceil(0.95 * xs.length) - 1]!;
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    console.log(
      `sandbox utility (${backend}): groups of ${Math.min(...sizes)}–${Math.max(...sizes)} people, ε 2 per query (1 count, 1 sum): ` +
        `count error median ${(100 * median(countErr)).toFixed(1)}%, p95 ${(100 * p95(countErr)).toFixed(1)}%; sum error median ${(100 * median(sumErr)).toFixed(1)}%, p95 ${(100 * p95(sumErr)).toFixed(1)}%`,
    );
    expect(countErr.length).toBeGreaterThanOrEqual(45);
    // Bounds a correct mechanism crosses with probability under 1e-4 (simulated): medians within the
    // issue's ±2% / ±10%, the 95th percentiles within 5% / 30%.
    expect(median(countErr)).toBeLessThanOrEqual(0.02);
    expect(median(sumErr)).toBeLessThanOrEqual(0.1);
    expect(p95(countErr)).toBeLessThanOrEqual(0.05);
    expect(p95(sumErr)).toBeLessThanOrEqual(0.3);
  });
});
