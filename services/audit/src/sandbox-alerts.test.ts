// The sandbox alert rules (sandbox_probing, sandbox_budget_burn), through the service: events appended
// over HTTP, committed to a real database (PGlite; the Postgres server too when
// GOVSHARE_TEST_DATABASE_URL is set), evaluated after each commit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { getTableConfig, PgDialect } from 'drizzle-orm/pg-core';
import { assertContract, ref, type AuditAlertKind, type AuditEvent } from '@govshare/contracts';
import { backends, ctx, makeEvent, startTestAudit, type TestAudit } from './test-helpers.ts';
import { SANDBOX_PREDICATE, sandboxNarrowed } from './alerts.ts';
import { events } from './schema.ts';

const api = (def: string) => ref('audit-api.v1.json', def);
const SECRET = 'secret-filter-value-4711';
const where = { field: 'district', op: 'eq', value: SECRET };
const unique = (p: string) => `${p}-${randomUUID().slice(0, 8)}`;

interface SandboxOpts {
  dept: string;
  dataset: string;
  narrow?: 'where' | 'join' | 'none';
  outcome?: AuditEvent['outcome'];
  privacy?: { epsilon: number; departmentShare: number };
  at?: string;
  sub?: string;
}

function sandboxEvent(o: SandboxOpts): AuditEvent {
  const narrow = o.narrow ?? 'where';
  const aggregate: Record<string, unknown> = { dataset: o.dataset, groupBy: ['district'], measures: [{ fn: 'count' }] };
  if (narrow === 'where') aggregate.where = where;
  if (narrow === 'join') aggregate.join = { dataset: 'other-dataset', on: [['id', 'id']], where };
  if (narrow === 'none') aggregate.join = { dataset: 'other-dataset', on: [['id', 'id']] };
  const filter: Record<string, unknown> = { aggregate };
  if (o.privacy) filter.privacy = { ...o.privacy, datasetBudget: 10, mechanism: 'discrete-laplace' };
  return makeEvent({
    actor: { sub: o.sub ?? `${o.dept.toLowerCase()}-analyst`, dept: o.dept, roles: ['consumer'] },
    action: 'sandbox.aggregate',
    dataset: o.dataset,
    outcome: o.outcome ?? 'allowed',
    recordCount: undefined,
    filter,
    ...(o.at ? { at: o.at } : {}),
  });
}

describe.each(backends())('sandbox alerts (%s)', (backend) => {
  let a: TestAudit;
  beforeAll(async () => {
    a = await startTestAudit(backend);
  });
  afterAll(() => a?.stop());

  /** Appends (one call per chunk, so several batches) and waits until every batch is evaluated. */
  async function append(evs: AuditEvent[], chunk = 7): Promise<void> {
    for (let i = 0; i < evs.length; i += chunk) {
      const r = await a.remote.append({ events: evs.slice(i, i + chunk) }, ctx);
      expect(r.rejected ?? []).toEqual([]);
    }
    await a.service.alerts.idle();
  }
  async function alertsOf(kind: string, dept: string): Promise<any[]> {
    const res = await a.remote.listAlerts({ kind: kind as AuditAlertKind, dept }, ctx);
    assertContract(api('AlertPage'), res);
    return res.alerts;
  }
  const many = (n: number, o: SandboxOpts) =>
    Array.from({ length: n }, (_, i) =>
      sandboxEvent({
        ...o,
        narrow: o.narrow ?? (i % 3 === 0 ? 'join' : 'where'),
        outcome: o.outcome ?? (i % 4 === 0 ? 'denied' : 'allowed'),
      }),
    );

  it('sandbox_probing: the 20th narrowed query of a department on a dataset within the hour raises one alert', async () => {
    const dept = unique('PROBE');
    const dataset = unique('households');
    // Unnarrowed queries (no where, or a join without one) never count.
    await append([
      ...many(30, { dept, dataset, narrow: 'none' }),
      ...many(10, { dept, dataset, narrow: 'none', outcome: 'denied' }),
    ]);
    // Narrowed queries older than the window do not count either.
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000).toISOString();
    await append(many(10, { dept, dataset, at: twoHoursAgo }));
    await append(many(19, { dept, dataset }));
    expect(await alertsOf('sandbox_probing', dept)).toEqual([]);

    await append([sandboxEvent({ dept, dataset })]);
    const [alert, ...rest] = await alertsOf('sandbox_probing', dept);
    expect(rest).toEqual([]);
    expect(alert).toMatchObject({
      kind: 'sandbox_probing',
      actor: { dept },
      details: { dataset, queries: 20, windowMs: 3_600_000 },
      review: null,
    });
    expect(alert.message).toContain(dept);
    expect(alert.message).toContain(dataset);
    expect(alert.message).toContain('20');
    expect(JSON.stringify(alert)).not.toContain(SECRET);

    // More in the same window: still one.
    await append(many(15, { dept, dataset }));
    expect(await alertsOf('sandbox_probing', dept)).toHaveLength(1);
  });

  it('sandbox_probing: another department or another dataset counts separately', async () => {
    const dept = unique('PROBE');
    const other = unique('PROBE');
    const dataset = unique('households');
    const second = unique('vehicles');
    // 20 narrowed queries, but split: 19 of dept on dataset, 19 of dept on second, 19 of other on dataset.
    await append(
      [...many(19, { dept, dataset }), ...many(19, { dept, dataset: second }), ...many(19, { dept: other, dataset })],
      11,
    );
    expect(await alertsOf('sandbox_probing', dept)).toEqual([]);
    expect(await alertsOf('sandbox_probing', other)).toEqual([]);

    // A whole burst in one batch counts too: the 20th of each pair raises its own alert.
    await append([
      sandboxEvent({ dept, dataset: second }),
      sandboxEvent({ dept: other, dataset, narrow: 'join', outcome: 'denied' }),
    ]);
    const mine = await alertsOf('sandbox_probing', dept);
    expect(mine.map((x) => x.details)).toEqual([{ dataset: second, queries: 20, windowMs: 3_600_000 }]);
    const theirs = await alertsOf('sandbox_probing', other);
    expect(theirs.map((x) => x.details)).toEqual([{ dataset, queries: 20, windowMs: 3_600_000 }]);

    await append([sandboxEvent({ dept, dataset })]);
    expect((await alertsOf('sandbox_probing', dept)).map((x) => x.details.dataset).sort()).toEqual(
      [dataset, second].sort(),
    );
  });

  it('sandbox_budget_burn: spending half of the department share within a day raises one alert', async () => {
    const dept = unique('BURN');
    const dataset = unique('pensions');
    const spend = (epsilon: number, over: Partial<SandboxOpts> = {}) =>
      sandboxEvent({ dept, dataset, narrow: 'none', privacy: { epsilon, departmentShare: 2 }, ...over });
    await append(
      [
        spend(0.3),
        spend(0.3),
        spend(0.3),
        spend(0), // cached or exact: spends nothing
        spend(0.5, { outcome: 'denied' }), // refused: spent nothing
        spend(0.8, { at: new Date(Date.now() - 25 * 3_600_000).toISOString() }), // outside the day
        sandboxEvent({ dept: unique('BURN'), dataset, privacy: { epsilon: 0.9, departmentShare: 2 } }), // another department
        sandboxEvent({ dept, dataset: unique('pensions'), privacy: { epsilon: 0.9, departmentShare: 2 } }), // another dataset
      ],
      2,
    );
    expect(await alertsOf('sandbox_budget_burn', dept)).toEqual([]);

    // 0.3 + 0.3 + 0.3 + 0.1 reaches 1 (= 0.5 × 2), whatever the rounding of the sum.
    await append([spend(0.1)]);
    const [alert, ...rest] = await alertsOf('sandbox_budget_burn', dept);
    expect(rest).toEqual([]);
    expect(alert).toMatchObject({
      kind: 'sandbox_budget_burn',
      actor: { dept },
      details: { dataset, epsilonSpent: 1, departmentShare: 2, burnShare: 0.5 },
    });
    expect(alert.message).toContain(dept);
    expect(alert.message).toContain(dataset);
    expect(JSON.stringify(alert)).not.toContain(SECRET);

    await append([spend(0.4), spend(0.2)]);
    expect(await alertsOf('sandbox_budget_burn', dept)).toHaveLength(1);
  });

  it("sandbox_budget_burn: the latest event's department share counts", async () => {
    const dept = unique('BURN');
    const dataset = unique('pensions');
    await append([sandboxEvent({ dept, dataset, privacy: { epsilon: 0.9, departmentShare: 2 } })]);
    // The share was raised: 1.0 of 4 is a quarter.
    await append([sandboxEvent({ dept, dataset, privacy: { epsilon: 0.1, departmentShare: 4 } })]);
    expect(await alertsOf('sandbox_budget_burn', dept)).toEqual([]);
    await append([sandboxEvent({ dept, dataset, privacy: { epsilon: 1, departmentShare: 4 } })]);
    expect((await alertsOf('sandbox_budget_burn', dept)).map((x) => x.details)).toEqual([
      { dataset, epsilonSpent: 2, departmentShare: 4, burnShare: 0.5, windowMs: 86_400_000 },
    ]);
  });
});

it('narrowed means a where on the aggregate or on its join', () => {
  expect(sandboxNarrowed({ aggregate: { dataset: 'd', where: { field: 'x', op: 'eq', value: 1 } } })).toBe(true);
  expect(sandboxNarrowed({ aggregate: { dataset: 'd', join: { dataset: 'e', on: [], where: [] } } })).toBe(true);
  expect(sandboxNarrowed({ aggregate: { dataset: 'd', where: null, join: { dataset: 'e', on: [] } } })).toBe(false);
  expect(sandboxNarrowed({ aggregate: { dataset: 'd' } })).toBe(false);
  expect(sandboxNarrowed(undefined)).toBe(false);
  expect(sandboxNarrowed('where')).toBe(false);
});

it('the sandbox alert rules look events up with exactly the predicate of the partial index built for them', () => {
  const index = getTableConfig(events).indexes.find((i) => i.config.name === 'events_sandbox_idx')!;
  expect(new PgDialect().sqlToQuery(index.config.where!).sql).toBe(SANDBOX_PREDICATE);
});
