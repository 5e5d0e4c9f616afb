import { and, desc, eq } from 'drizzle-orm';
import { AppError, isAppError, type Db } from '@govshare/platform';
import type { Dataset } from '@govshare/contracts';
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
    .where(
      version === undefined
        ? eq(ruleSets.datasetId, datasetId)
        : and(eq(ruleSets.datasetId, datasetId), eq(ruleSets.version, version)),
    )
    .orderBy(desc(ruleSets.version))
    .limit(1);
  if (!rows.length) {
    if (version !== undefined && version !== 0)
      throw new AppError('NOT_FOUND', `dataset ${datasetId} has no rule set version ${version}`);
    return { datasetId, version: 0, body: {}, createdBy: 'default', createdAt: new Date(0).toISOString() };
  }
  const r = rows[0];
  return {
    datasetId,
    version: r.version,
    body: r.body as RuleSetBody,
    createdBy: r.createdBy,
    createdAt: r.createdAt.toISOString(),
  };
}

/** Stores a new version of the dataset's rule set. Concurrent writers: the primary key makes one of them retry. */
export async function putRuleSet(
  db: QualityDb,
  datasetId: string,
  body: RuleSetBody,
  createdBy: string,
  now: () => Date,
): Promise<RuleSetRecord> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const cur = await getRuleSet(db, datasetId);
    const version = cur.version + 1;
    const createdAt = now();
    try {
      await db.insert(ruleSets).values({ datasetId, version, body, createdBy, createdAt });
      return { datasetId, version, body, createdBy, createdAt: createdAt.toISOString() };
    } catch (err) {
      if (attempt === 4) throw err;
    }
  }
  throw new AppError('CONFLICT', 'rule set changed concurrently');
}

/** One place where a rule set and the data dictionary disagree. */
export interface RuleSetProblem {
  path: string;
  rule: string;
  message: string;
}

/**
 * Refuses a rule set that could not run as written, naming the place and the rule: patterns that do
 * not compile, missing parameters, and fields or datasets that the data dictionary does not have
 * (the dataset's own fields, and the other dataset and field of reference and consistency rules).
 * Without this a typo would only show up at run time, as a skipped rule. Every problem is reported at
 * once (details.problems, each with its path), so an editor can mark them all in place; the message
 * and details.path/rule name the first.
 */
export async function checkRuleSet(
  body: RuleSetBody,
  datasetId: string,
  getDataset: (id: string) => Promise<Dataset | undefined>,
): Promise<void> {
  const known = new Map<string, Set<string> | undefined>();
  const fieldsOf = async (id: string) => {
    if (!known.has(id)) {
      let ds: Dataset | undefined;
      try {
        ds = await getDataset(id);
      } catch (err) {
        if (isAppError(err) && err.code === 'NOT_FOUND') ds = undefined;
        else
          throw new AppError(
            'UNAVAILABLE',
            'the catalog did not answer, so the rules cannot be checked against the data dictionary; nothing was stored',
          );
      }
      known.set(id, ds ? new Set(Object.keys(ds.schema.properties)) : undefined);
    }
    return known.get(id);
  };
  const own = await fieldsOf(datasetId);
  if (!own) throw new AppError('NOT_FOUND', `dataset "${datasetId}" not found`);
  const problems: RuleSetProblem[] = [];
  const refuse = (path: string, rule: string, message: string) =>
    void problems.push({ path, rule, message: `${path}: ${message} (${rule})` });
  const ownField = (path: string, name: string | undefined) => {
    if (name !== undefined && !own.has(name))
      refuse(path, 'field-unknown', `"${name}" is not a field of dataset "${datasetId}"`);
  };
  const otherField = async (path: string, id: string, name: string) => {
    const fields = await fieldsOf(id);
    if (!fields) return refuse(path.replace(/\.\w+$/, '.dataset'), 'dataset-unknown', `dataset "${id}" does not exist`);
    if (!fields.has(name)) refuse(path, 'field-unknown', `"${name}" is not a field of dataset "${id}"`);
  };

  for (const [i, r] of (body.rules ?? []).entries()) {
    const at = `rules[${i}]`;
    if (r.disabled) continue; // switching a schema rule off needs only its id
    ownField(`${at}.field`, r.field);
    if (r.kind === 'regex') {
      try {
        new RegExp(r.pattern ?? '', 'u');
      } catch {
        refuse(`${at}.pattern`, 'regex-invalid', `/${r.pattern}/ does not compile`);
      }
    }
    if (r.kind === 'enum' && !r.values?.length)
      refuse(`${at}.values`, 'enum-values', 'an enum rule needs the allowed values');
    if (r.kind === 'cross-field') {
      ownField(`${at}.birthDateField`, r.birthDateField);
      ownField(`${at}.genderField`, r.genderField);
    }
    if (r.kind === 'reference') {
      if (!r.dataset)
        refuse(`${at}.dataset`, 'reference-dataset', 'a reference rule needs the dataset holding the allowed values');
      else await otherField(`${at}.targetField`, r.dataset, r.targetField ?? r.field);
    }
  }
  for (const [i, f] of (body.expectedFields ?? []).entries()) ownField(`expectedFields[${i}]`, f);
  for (const [i, f] of (body.nearDuplicates?.fields ?? []).entries()) ownField(`nearDuplicates.fields[${i}]`, f);
  for (const [i, c] of (body.consistency ?? []).entries()) {
    ownField(`consistency[${i}].field`, c.field);
    ownField(`consistency[${i}].matchField`, c.matchField);
    await otherField(`consistency[${i}].targetField`, c.dataset, c.targetField ?? c.field);
    await otherField(`consistency[${i}].targetMatchField`, c.dataset, c.targetMatchField ?? c.matchField);
  }
  ownField('timeliness.field', body.timeliness?.field);
  if (!problems.length) return;
  const [first] = problems;
  const more = problems.length > 1 ? `; and ${problems.length - 1} more problem(s), see details.problems` : '';
  throw new AppError('BAD_USER_INPUT', first.message + more, { path: first.path, rule: first.rule, problems });
}
