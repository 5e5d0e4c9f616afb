import { sql } from 'drizzle-orm';
import {
  bigint,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';

// Tables are unqualified: the Postgres schema is chosen at run time (search_path).
// events, tree_nodes and checkpoints are append-only: a migration adds triggers that raise on
// UPDATE, DELETE and TRUNCATE and revokes those privileges from PUBLIC.

export const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => 'bytea',
});

/** One stored audit event = one Merkle leaf. `leaf` holds the exact bytes that were hashed. */
export const events = pgTable(
  'events',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey(),
    id: text('id').notNull().unique('events_id_unique'),
    leaf: bytea('leaf').notNull(),
    // Search columns, derived from the leaf (the leaf is authoritative; search results are read from it).
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
    requestId: text('request_id').notNull(),
    actorSub: text('actor_sub').notNull(),
    actorDept: text('actor_dept').notNull(),
    action: text('action').notNull(),
    dataset: text('dataset'),
    outcome: text('outcome').notNull(),
    recordCount: bigint('record_count', { mode: 'number' }),
    grantId: text('grant_id'),
    purpose: text('purpose'),
    accessRequestId: text('access_request_id'),
    subjectKeys: text('subject_keys').array(),
  },
  (t) => [
    index('events_at_idx').on(t.at),
    index('events_request_id_idx').on(t.requestId),
    index('events_actor_sub_idx').on(t.actorSub, t.seq),
    index('events_actor_dept_idx').on(t.actorDept, t.seq),
    index('events_dataset_idx').on(t.dataset, t.seq),
    index('events_grant_id_idx').on(t.grantId),
    index('events_access_request_idx').on(t.accessRequestId, t.seq).where(sql`access_request_id is not null`),
    // The alert rules look up a grant's create/revoke events after every batch: this partial index
    // keeps that lookup O(1) whatever the number of reads made under the grant. Its predicate is
    // GRANT_LIFECYCLE_PREDICATE in alerts.ts (a test checks they agree).
    index('events_grant_lifecycle_idx')
      .on(t.grantId, t.seq)
      .where(
        sql`action in ('grants.created', 'access.granted', 'grants.revoked', 'access.grantRevoked') and outcome = 'allowed'`,
      ),
    // The sandbox alert rules count one department's sandbox queries on one dataset within a window
    // after every batch that has some: this partial index keeps that to the queries in the window.
    // Its predicate is SANDBOX_PREDICATE in alerts.ts (a test checks they agree).
    index('events_sandbox_idx').on(t.actorDept, t.dataset, t.at).where(sql`action = 'sandbox.aggregate'`),
    index('events_subject_keys_idx').using('gin', t.subjectKeys),
  ],
);

/**
 * Hashes of complete (perfect, aligned) subtrees: level 0 = leaf hashes, (level, idx) covers leaves
 * [idx * 2^level, (idx + 1) * 2^level). Written in the same transaction as the leaves.
 */
export const treeNodes = pgTable(
  'tree_nodes',
  {
    level: integer('level').notNull(),
    idx: bigint('idx', { mode: 'number' }).notNull(),
    hash: bytea('hash').notNull(),
  },
  (t) => [primaryKey({ columns: [t.level, t.idx], name: 'tree_nodes_pk' })],
);

/** Every signed checkpoint ever issued. */
export const checkpoints = pgTable('checkpoints', {
  treeSize: bigint('tree_size', { mode: 'number' }).primaryKey(),
  rootHash: bytea('root_hash').notNull(),
  timestamp: timestamp('timestamp', { withTimezone: true, mode: 'date' }).notNull(),
  jws: text('jws').notNull(),
});

/** Alerts raised by the rules in alerts.ts (not part of the tree; derived data). */
export const alerts = pgTable(
  'alerts',
  {
    id: serial('id').primaryKey(),
    kind: text('kind').notNull(),
    actorSub: text('actor_sub').notNull(),
    actorDept: text('actor_dept').notNull(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
    message: text('message').notNull(),
    details: jsonb('details').notNull().default(sql`'{}'::jsonb`),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('alerts_actor_kind_idx').on(t.actorSub, t.kind, t.at), index('alerts_at_idx').on(t.at)],
);

/**
 * An auditor's review of an alert: what it turned out to be, and why. Appended, never changed; the
 * latest review of an alert is its current state, the earlier ones its history.
 */
export const alertReviews = pgTable(
  'alert_reviews',
  {
    id: serial('id').primaryKey(),
    alertId: integer('alert_id')
      .notNull()
      .references(() => alerts.id),
    outcome: text('outcome').notNull(),
    note: text('note').notNull(),
    reviewerSub: text('reviewer_sub').notNull(),
    reviewerDept: text('reviewer_dept').notNull(),
    reviewedAt: timestamp('reviewed_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('alert_reviews_alert_idx').on(t.alertId, t.id)],
);

/**
 * One row per term of the audit sequencer (the one writer of the log on a Postgres server, elected
 * by an advisory lock; sequencer.ts): written by the new leader while it holds the lock. Followers
 * forward to the latest term's `leader_url` while that term's session still holds the lock.
 */
export const sequencerTerms = pgTable('sequencer_terms', {
  epoch: bigint('epoch', { mode: 'number' }).primaryKey(),
  /** Where followers reach the leader's face (null: it serves no forwarded calls). */
  leaderUrl: text('leader_url'),
  /** The leader's lock session (pg_backend_pid), to tell a live term from a dead one in pg_locks. */
  backendPid: integer('backend_pid').notNull(),
  since: timestamp('since', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

export const tables = { events, treeNodes, checkpoints, alerts, alertReviews, sequencerTerms };
