import { sql } from 'drizzle-orm';
import {
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/** One scoring job of one dataset. At most one queued and one running run per dataset (partial unique indexes). */
export const runs = pgTable(
  'runs',
  {
    id: uuid('id').primaryKey(),
    datasetId: text('dataset_id').notNull(),
    dept: text('dept'),
    status: text('status').notNull(), // queued | running | succeeded | failed
    reason: text('reason'),
    requestedBy: text('requested_by').notNull(),
    notBefore: timestamp('not_before', { withTimezone: true, mode: 'date' }).notNull(),
    processed: integer('processed').notNull().default(0),
    total: integer('total'),
    datasetVersion: integer('dataset_version'),
    /** The catalog's updatedAt of the dataset as the run read it (its clock, compared only with itself): data changed since when it differs. */
    datasetUpdatedAt: text('dataset_updated_at'),
    ruleSetVersion: integer('rule_set_version'),
    rules: jsonb('rules'),
    records: integer('records'),
    score: doublePrecision('score'),
    metrics: jsonb('metrics'),
    error: text('error'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    uniqueIndex('runs_one_queued').on(t.datasetId).where(sql`status = 'queued'`),
    uniqueIndex('runs_one_running').on(t.datasetId).where(sql`status = 'running'`),
    index('runs_dataset_finished').on(t.datasetId, t.finishedAt),
  ],
);

/** Headline figures of a finished run, one row per metric (and field), for history, alerts and department scores. */
export const runMetrics = pgTable(
  'run_metrics',
  {
    runId: uuid('run_id')
      .notNull()
      .references(() => runs.id),
    datasetId: text('dataset_id').notNull(),
    metric: text('metric').notNull(),
    field: text('field').notNull().default(''),
    value: doublePrecision('value').notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.metric, t.field] })],
);

/** Up to 5 failing records per rule and run: masked key, masked values of the fields the rule reads. */
export const examples = pgTable(
  'examples',
  {
    runId: uuid('run_id')
      .notNull()
      .references(() => runs.id),
    ruleId: text('rule_id').notNull(),
    seq: integer('seq').notNull(),
    recordKey: text('record_key').notNull(),
    problem: text('problem').notNull(),
    values: jsonb('values').notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.ruleId, t.seq] })],
);

/** Declared rules and scoring settings per dataset, versioned from 1; a PUT adds a version. */
export const ruleSets = pgTable(
  'rule_sets',
  {
    datasetId: text('dataset_id').notNull(),
    version: integer('version').notNull(),
    body: jsonb('body').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.datasetId, t.version] })],
);

export const alerts = pgTable(
  'alerts',
  {
    id: uuid('id').primaryKey(),
    datasetId: text('dataset_id').notNull(),
    dept: text('dept'),
    runId: uuid('run_id')
      .notNull()
      .references(() => runs.id),
    metric: text('metric').notNull(),
    kind: text('kind').notNull(), // drop | target
    reference: doublePrecision('reference').notNull(),
    value: doublePrecision('value').notNull(),
    raisedAt: timestamp('raised_at', { withTimezone: true, mode: 'date' }).notNull(),
    resolvedAt: timestamp('resolved_at', { withTimezone: true, mode: 'date' }),
    resolvedByRun: uuid('resolved_by_run'),
  },
  (t) => [index('alerts_dataset').on(t.datasetId, t.metric)],
);

/** Red/black list policy, versioned from 1. */
export const policies = pgTable('policies', {
  version: integer('version').primaryKey(),
  body: jsonb('body').notNull(),
  createdBy: text('created_by').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
});

/** Signed, immutable publications; superseded_by is the only column ever updated (outside the signed body). */
export const publications = pgTable(
  'publications',
  {
    id: uuid('id').primaryKey(),
    period: text('period').notNull(),
    policyVersion: integer('policy_version').notNull(),
    supersedes: uuid('supersedes'),
    supersededBy: uuid('superseded_by'),
    body: jsonb('body').notNull(),
    canonical: text('canonical').notNull(),
    jws: text('jws').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [
    index('publications_period').on(t.period),
    uniqueIndex('publications_one_current').on(t.period).where(sql`superseded_by is null`),
  ],
);

export const appeals = pgTable('appeals', {
  id: uuid('id').primaryKey(),
  publicationId: uuid('publication_id')
    .notNull()
    .references(() => publications.id),
  dept: text('dept').notNull(),
  reason: text('reason').notNull(),
  filedBy: text('filed_by').notNull(),
  filedAt: timestamp('filed_at', { withTimezone: true, mode: 'date' }).notNull(),
  status: text('status').notNull(), // pending | accepted | rejected
  decisionReason: text('decision_reason'),
  decidedBy: text('decided_by'),
  decidedAt: timestamp('decided_at', { withTimezone: true, mode: 'date' }),
  correctedPublicationId: uuid('corrected_publication_id'),
  override: boolean('override').notNull().default(false),
});

export const tables = { runs, runMetrics, examples, ruleSets, alerts, policies, publications, appeals };
