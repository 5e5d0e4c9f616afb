import {
  bigserial,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  real,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { model, type DatasetSchema } from '@govshare/contracts';

// Tables are unqualified: the Postgres schema is chosen at run time (search_path).

export const departments = pgTable('departments', {
  code: text('code').primaryKey(),
  nameZh: text('name_zh').notNull(),
  nameEn: text('name_en').notNull(),
});

export const datasets = pgTable(
  'datasets',
  {
    id: text('id').primaryKey(),
    title: text('title').notNull(),
    description: text('description').notNull().default(''),
    ownerDept: text('owner_dept')
      .notNull()
      .references(() => departments.code),
    tier: text('tier', { enum: [...model.TIERS] }).notNull(),
    keyFields: jsonb('key_fields').$type<string[]>().notNull(),
    version: integer('version').notNull().default(1),
    schema: jsonb('schema').$type<DatasetSchema>().notNull(),
    /** Property names in declared order (JSONB does not keep object key order). */
    fieldOrder: jsonb('field_order').$type<string[]>(),
    recordCount: integer('record_count').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('datasets_owner_dept_idx').on(t.ownerDept), index('datasets_tier_idx').on(t.tier)],
);

export const datasetVersions = pgTable(
  'dataset_versions',
  {
    datasetId: text('dataset_id')
      .notNull()
      .references(() => datasets.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    schema: jsonb('schema').$type<DatasetSchema>().notNull(),
    fieldOrder: jsonb('field_order').$type<string[]>(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.datasetId, t.version] })],
);

/**
 * Partitioned by dataset (LIST on dataset_id, migration 0006): each dataset's records are a table of
 * their own, `records_p_<12 hex of sha256(dataset id)>`, made by a trigger when the dataset row is
 * inserted. A read names one dataset, so it touches one partition; a dataset's x-index indexes are
 * built on its partition alone; a replace or a large dataset's vacuum leaves the others alone.
 * drizzle-kit cannot declare partitioning: the table here is its shape, 0006 its partitioning.
 */
export const records = pgTable(
  'records',
  {
    // The stable cursor order: ids only grow, so appends never shift earlier pages.
    id: bigserial('id', { mode: 'number' }).notNull(),
    datasetId: text('dataset_id')
      .notNull()
      .references(() => datasets.id, { onDelete: 'cascade' }),
    /** Key field values joined with U+001F. Not unique: dirty data with duplicate keys is stored. */
    key: text('key').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    /** Dataset schema version the record was ingested under. */
    version: integer('version').notNull(),
    ingestedAt: timestamp('ingested_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    // A partitioned table's primary key includes its partition key; the sequence keeps ids unique.
    primaryKey({ name: 'records_pkey', columns: [t.datasetId, t.id] }),
    // text_pattern_ops serves both key = $1 and key LIKE 'prefix%'.
    index('records_dataset_key_idx').on(t.datasetId, t.key.op('text_pattern_ops')),
  ],
);

export const grants = pgTable(
  'grants',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    datasetId: text('dataset_id')
      .notNull()
      .references(() => datasets.id, { onDelete: 'cascade' }),
    granteeDept: text('grantee_dept')
      .notNull()
      .references(() => departments.code),
    fields: jsonb('fields').$type<string[]>().notNull(),
    unmaskedFields: jsonb('unmasked_fields').$type<string[]>().notNull(),
    purpose: text('purpose').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    createdBy: text('created_by').notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('grants_dataset_grantee_idx').on(t.datasetId, t.granteeDept)],
);

/** Per-department settings of the access workflow (absent row = defaults). */
export const departmentAccessSettings = pgTable('department_access_settings', {
  dept: text('dept')
    .primaryKey()
    .references(() => departments.code),
  /** Handling time limit (限时办结) in working days. */
  deadlineWorkingDays: integer('deadline_working_days').notNull().default(5),
  /** Named stewards (first responders), in assignment order: token `sub`s. */
  stewards: jsonb('stewards').$type<string[]>().notNull().default([]),
  refusalRateTarget: real('refusal_rate_target').notNull().default(0.1),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

export const accessRequests = pgTable(
  'access_requests',
  {
    id: uuid('id').primaryKey(),
    datasetId: text('dataset_id')
      .notNull()
      .references(() => datasets.id, { onDelete: 'cascade' }),
    ownerDept: text('owner_dept').notNull(),
    requesterDept: text('requester_dept')
      .notNull()
      .references(() => departments.code),
    requestedBy: text('requested_by').notNull(),
    purpose: text('purpose').notNull(),
    legalBasis: text('legal_basis').notNull(),
    /** Fields as declared by the requester: [{ name, type?, format?, title? }]. */
    fields: jsonb('fields').$type<{ name: string; type?: string; format?: string; title?: string }[]>().notNull(),
    unmaskedFields: jsonb('unmasked_fields').$type<string[]>().notNull(),
    durationDays: integer('duration_days').notNull(),
    renewsGrantId: uuid('renews_grant_id'),
    status: text('status', { enum: [...model.ACCESS_REQUEST_STATUSES] }).notNull(),
    assignee: text('assignee'),
    filedAt: timestamp('filed_at', { withTimezone: true, mode: 'date' }).notNull(),
    deadline: timestamp('deadline', { withTimezone: true, mode: 'date' }).notNull(),
    decidedAt: timestamp('decided_at', { withTimezone: true, mode: 'date' }),
    decidedBy: text('decided_by'),
    decision: jsonb('decision').$type<{
      fields: string[];
      unmaskedFields: string[];
      durationDays: number;
      note?: string;
    }>(),
    rejectCode: text('reject_code'),
    rejectText: text('reject_text'),
    grantId: uuid('grant_id'),
    idempotencyKey: text('idempotency_key'),
  },
  (t) => [
    index('access_requests_owner_idx').on(t.ownerDept, t.status, t.deadline),
    index('access_requests_requester_idx').on(t.requesterDept, t.filedAt),
    uniqueIndex('access_requests_idem_idx').on(t.requesterDept, t.idempotencyKey),
  ],
);

/** Every state change of a request, in order (the request's history). */
export const accessRequestEvents = pgTable(
  'access_request_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    requestId: uuid('request_id')
      .notNull()
      .references(() => accessRequests.id, { onDelete: 'cascade' }),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
    actor: text('actor').notNull(),
    kind: text('kind').notNull(),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    idempotencyKey: text('idempotency_key'),
  },
  (t) => [
    index('access_request_events_request_idx').on(t.requestId, t.id),
    uniqueIndex('access_request_events_idem_idx').on(t.requestId, t.idempotencyKey),
  ],
);

/** Subject sets the sandbox released to a caller department (for the differencing defence). */
export const sandboxReleases = pgTable(
  'sandbox_releases',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    callerDept: text('caller_dept').notNull(),
    /** The dataset, or "left×right:key" for a join. */
    scope: text('scope').notNull(),
    size: integer('size').notNull(),
    /** Sorted member ids (record ids, or hashes of join keys). */
    members: jsonb('members').$type<string[]>().notNull(),
    digest: text('digest').notNull(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [
    index('sandbox_releases_caller_idx').on(t.callerDept, t.scope, t.size),
    index('sandbox_releases_at_idx').on(t.callerDept, t.at),
  ],
);

/** Every sandbox query a department asked (answered or refused), for its daily query budget. */
export const sandboxQueries = pgTable(
  'sandbox_queries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    callerDept: text('caller_dept').notNull(),
    scope: text('scope').notNull(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [index('sandbox_queries_caller_at_idx').on(t.callerDept, t.at)],
);

/** A dataset's privacy budget for the sandbox (differential privacy); defaults apply when absent. */
export const sandboxBudgets = pgTable('sandbox_budgets', {
  datasetId: text('dataset_id')
    .primaryKey()
    .references(() => datasets.id, { onDelete: 'cascade' }),
  epsilonPerYear: doublePrecision('epsilon_per_year').notNull(),
  epsilonPerQuery: doublePrecision('epsilon_per_query').notNull(),
  /** Share of epsilonPerYear one department may spend. */
  departmentShare: doublePrecision('department_share').notNull(),
  /** Exact sums: no single subject may be more than this share of a released group's total. */
  dominanceShare: doublePrecision('dominance_share').notNull(),
  updatedBy: text('updated_by').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
});

/** Every ε spent on a dataset: by a department's query, or by the owner's standard release ('release'). */
export const sandboxSpends = pgTable(
  'sandbox_spends',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    datasetId: text('dataset_id').notNull(),
    account: text('account').notNull(),
    epsilon: doublePrecision('epsilon').notNull(),
    answerDigest: text('answer_digest').notNull(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [index('sandbox_spends_dataset_at_idx').on(t.datasetId, t.at)],
);

/** Noisy answers, kept: the same query over the same data versions is answered again free of charge. */
export const sandboxAnswers = pgTable(
  'sandbox_answers',
  {
    digest: text('digest').primaryKey(),
    /** The datasets the answer reads (one, or a join's two). */
    datasetIds: jsonb('dataset_ids').$type<string[]>().notNull(),
    query: jsonb('query').notNull(),
    result: jsonb('result').notNull(),
    epsilon: doublePrecision('epsilon').notNull(),
    /** A standard table the owner published: listed for everyone. */
    standard: boolean('standard').notNull().default(false),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [index('sandbox_answers_standard_idx').on(t.standard)],
);

/**
 * Grant facts (a grant's id, purpose, expiry, its end) as audit events, written in the transaction
 * that changes the grant and relayed to the audit log afterwards (transactional outbox): a commit
 * and its fact cannot part. Event ids derive from the grant, so a resent fact is stored once.
 */
export const grantFactOutbox = pgTable(
  'grant_fact_outbox',
  {
    id: uuid('id').primaryKey(),
    event: jsonb('event').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
  },
  (t) => [index('grant_fact_outbox_pending_idx').on(t.createdAt).where(sql`sent_at is null`)],
);

export const tables = {
  departments,
  datasets,
  datasetVersions,
  records,
  grants,
  departmentAccessSettings,
  accessRequests,
  accessRequestEvents,
  sandboxReleases,
  sandboxQueries,
  sandboxBudgets,
  sandboxSpends,
  sandboxAnswers,
  grantFactOutbox,
};
export type CatalogTables = typeof tables;
