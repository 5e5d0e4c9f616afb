import { and, desc, eq } from 'drizzle-orm';
import { AppError, type Db } from '@govshare/platform';
import { ruleSets, type tables } from './schema.ts';
import type { RuleSetBody } from './rules/rules.ts';

export type QualityDb = Db<typeof tables>;

export interface RuleSetRecord {
  datasetId: string;
  version: number;
  body: RuleSetBody;
  createdBy: string;
  createdAt: string;
}

/** Latest (or a given) version of a dataset's rule set; version 0 with an empty body when none was declared. */
export async function getRuleSet(db: QualityDb, datasetId: string, version?: number): Promise<RuleSetRecord> {
  const rows = await db
    .select()
    .from(ruleSets)
    .where(version === undefined ? eq(ruleSets.datasetId, datasetId) : and(eq(ruleSets.datasetId, datasetId), eq(ruleSets.version, version)))
    .orderBy(desc(ruleSets.version))
    .limit(1);
  if (!rows.length) {
    if (version !== undefined && version !== 0) throw new AppError('NOT_FOUND', `dataset ${datasetId} has no rule set version ${version}`);
    return { datasetId, version: 0, body: {}, createdBy: 'default', createdAt: new Date(0).toISOString() };
  }
  const r = rows[0];
  return { datasetId, version: r.version, body: r.body as RuleSetBody, createdBy: r.createdBy, createdAt: r.createdAt.toISOString() };
}

/** Stores a new version of the dataset's rule set. Concurrent writers: the primary key makes one of them retry. */
export async function putRuleSet(db: QualityDb, datasetId: string, body: RuleSetBody, createdBy: string): Promise<RuleSetRecord> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const cur = await getRuleSet(db, datasetId);
    const version = cur.version + 1;
    const createdAt = new Date();
    try {
      await db.insert(ruleSets).values({ datasetId, version, body, createdBy, createdAt });
      return { datasetId, version, body, createdBy, createdAt: createdAt.toISOString() };
    } catch (err) {
      if (attempt === 4) throw err;
    }
  }
  throw new AppError('CONFLICT', 'rule set changed concurrently');
}
