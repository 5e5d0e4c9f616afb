import { bigserial, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import type { DatasetSchema } from '@govshare/contracts';

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
    tier: text('tier', { enum: ['PUBLIC', 'INTERNAL', 'RESTRICTED', 'SECRET'] }).notNull(),
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

export const records = pgTable(
  'records',
  {
    // The stable cursor order: ids only grow, so appends never shift earlier pages.
    id: bigserial('id', { mode: 'number' }).primaryKey(),
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
    index('records_dataset_id_idx').on(t.datasetId, t.id),
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

export const tables = { departments, datasets, datasetVersions, records, grants };
export type CatalogTables = typeof tables;
