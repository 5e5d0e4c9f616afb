// /metrics end to end: a hub is booted, reads are made that the policy allows and denies, and the
// hub's (and the audit module's) metrics are scraped over HTTP and read with a Prometheus parser.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes, hubSetups, startHub, type Hub } from './hub.ts';
import { scrape, type Scrape } from './support/prometheus.ts';

const RECORDS = `query R($d: ID!, $w: RecordFilter) {
  records(dataset: $d, where: $w, first: 5) { nodes { key data } }
}`;

/** A resident ID that a caller probes for: it must reach the audit log as a keyed hash, and no metric. */
const PROBED_ID = '110101199003077531';
const MISSING_DATASET = 'no-such-dataset-110101199003071234';

describe.each(hubSetups())('metrics scraped from a running hub (%s)', (setup) => {
  let hub: Hub;
  let before: Scrape;
  let after: Scrape;
  let auditBefore: Scrape;
  let auditAfter: Scrape;
  const served: string[] = [];

  beforeAll(async () => {
    hub = await startHub(setup);
    // One read first so that every lazily created series exists in the baseline too.
    const warm = await hub.gql(await hub.token('NHC', ['consumer']), RECORDS, { d: 'legal-persons' });
    expect(warm.body.errors).toBeUndefined();
    before = await scrape(hub.metricsUrl);
    auditBefore = await scrape(hub.auditMetricsUrl);

    const psb = await hub.token('PSB', ['consumer']);
    const mca = await hub.token('MCA', ['consumer']);
    for (let i = 0; i < 3; i++) {
      const own = await hub.gql(psb, RECORDS, { d: 'resident-registry' });
      expect(own.body.errors).toBeUndefined();
      for (const n of own.body.data.records.nodes) served.push(n.key, ...Object.values(n.data).map(String));
    }
    const probe = await hub.gql(psb, RECORDS, { d: 'resident-registry', w: { field: 'idNumber', eq: PROBED_ID } });
    expect(probe.body.errors).toBeUndefined();
    for (let i = 0; i < 2; i++) {
      const secret = await hub.gql(mca, RECORDS, { d: 'medical-insurance' });
      expect(codes(secret.body)).toEqual(['FORBIDDEN']);
    }
    const missing = await hub.gql(mca, RECORDS, { d: MISSING_DATASET });
    expect(codes(missing.body)).toEqual(['NOT_FOUND']);

    after = await scrape(hub.metricsUrl);
    auditAfter = await scrape(hub.auditMetricsUrl);
  });
  afterAll(() => hub?.close());

  const moved = (name: string, labels: Record<string, string>) =>
    after.value(name, labels) - before.value(name, labels);

  it('counts each read by operation, dataset, department and outcome, exactly', () => {
    const ops = 'govshare_operations_total';
    const read = { operation: 'records.read' };
    expect(moved(ops, { ...read, dataset: 'resident-registry', department: 'PSB', outcome: 'allowed' })).toBe(4);
    expect(moved(ops, { ...read, dataset: 'medical-insurance', department: 'MCA', outcome: 'denied' })).toBe(2);
    // An id the catalog does not list is not a label value: it is counted as 'other'.
    expect(moved(ops, { ...read, dataset: 'other', department: 'MCA', outcome: 'error' })).toBe(1);
    expect(moved(ops, { ...read, dataset: 'legal-persons', department: 'NHC', outcome: 'allowed' })).toBe(0);
    // Nothing else moved: the sum over every series is what was done.
    const total = (s: Scrape) =>
      s.families.find((f) => f.name === ops && f.type === 'COUNTER')!.metrics.reduce((n, m) => n + Number(m.value), 0);
    expect(total(after) - total(before)).toBe(7);
  });

  it('times operations, GraphQL phases and HTTP requests in histograms', () => {
    const d = (name: string, labels: Record<string, string>) =>
      after.histogram(name, labels).count - before.histogram(name, labels).count;
    expect(d('govshare_operation_duration_seconds', { operation: 'records.read', outcome: 'allowed' })).toBe(4);
    expect(d('govshare_operation_duration_seconds', { operation: 'records.read', outcome: 'denied' })).toBe(2);
    expect(after.histogram('govshare_operation_duration_seconds', { operation: 'records.read' }).sum).toBeGreaterThan(
      0,
    );
    // yoga's Prometheus plugin: one parse, validate and execute per request.
    for (const phase of ['parse', 'validate', 'execute'])
      expect(d(`graphql_envelop_phase_${phase}`, { operationType: 'query' })).toBe(7);
    expect(moved('graphql_envelop_request', { operationType: 'query' })).toBe(7);
    // The refused reads are errors in the execute phase.
    expect(moved('graphql_envelop_error_result', { operationType: 'query', phase: 'execute' })).toBe(3);
    expect(d('govshare_http_request_duration_seconds', { method: 'POST', route: '/graphql', status: '200' })).toBe(7);
  });

  it('shows the audit log’s group commit: batch sizes add up to at least the events appended', () => {
    const batches = auditAfter.histogram('govshare_audit_batch_events');
    const commits = auditAfter.histogram('govshare_audit_commit_duration_seconds');
    const committed = auditAfter.value('govshare_audit_events_committed_total');
    expect(batches.count).toBeGreaterThan(0);
    expect(commits.count).toBe(batches.count);
    expect(committed).toBe(hub.audit.service.log.stats.events);
    expect(batches.sum).toBeGreaterThanOrEqual(committed);
    // The reads above were audited (7 events at least) and each batch was observed.
    expect(committed - auditBefore.value('govshare_audit_events_committed_total')).toBeGreaterThanOrEqual(7);
    expect(auditAfter.families.find((f) => f.name === 'govshare_audit_queue_events')?.type).toBe('GAUGE');
    expect(auditAfter.value('govshare_audit_queue_events')).toBeGreaterThanOrEqual(0);
    expect(auditAfter.value('govshare_audit_log_size')).toBe(hub.audit.service.log.size);
  });

  it('reports each database pool: size, connections in use and available', () => {
    const pools = hub.topology === 'one' ? { [hub.metricsUrl]: ['gateway', 'catalog', 'audit'] } : {};
    if (hub.topology === 'split') {
      pools[hub.metricsUrl] = ['gateway'];
      pools[hub.auditMetricsUrl] = ['audit'];
    }
    for (const [url, services] of Object.entries(pools)) {
      const s = url === hub.metricsUrl ? after : auditAfter;
      for (const service of services) {
        const max = s.value('govshare_db_pool_max_connections', { service });
        expect(max, `${url} ${service}`).toBeGreaterThanOrEqual(1);
        const inUse = s.value('govshare_db_pool_connections', { service, state: 'in_use' });
        const available = s.value('govshare_db_pool_connections', { service, state: 'available' });
        expect(inUse + available).toBe(max);
        expect(s.value('govshare_db_pool_waiting', { service })).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it('no label value carries a record value, an identifier, or a caller’s name', () => {
    const values = new Set([...after.labelValues(), ...auditAfter.labelValues()]);
    expect(served.length).toBeGreaterThan(0);
    const secrets = [PROBED_ID, MISSING_DATASET, 'psb-user', 'mca-user', ...served.filter((v) => v.length >= 4)];
    for (const secret of secrets) for (const v of values) expect(v).not.toContain(secret);
    // The text as served, too (HELP lines, names).
    for (const secret of [PROBED_ID, MISSING_DATASET, 'psb-user']) expect(after.text).not.toContain(secret);
  });

  it('is not served on the public port by default', async () => {
    const res = await fetch(`${hub.gatewayUrl}/metrics`);
    expect(res.status).toBe(404);
    await res.text();
  });
});
