import { and, asc, eq, gt, gte, isNull, isNotNull, lte, or, sql, type SQL } from 'drizzle-orm';
import { AppError } from '@govshare/platform';
import type { Grant, GrantCreate } from '@govshare/contracts';
import { grants, datasets, departments } from './schema.ts';
import type { CatalogDb } from './datasets.ts';
import { grantCacheFor } from './read-cache.ts';
import { enqueueGrantFacts, type FactOrigin, grantFactEvent } from './grant-fact-outbox.ts';

export function toGrant(r: typeof grants.$inferSelect): Grant {
  return {
    id: r.id,
    datasetId: r.datasetId,
    granteeDept: r.granteeDept,
    fields: r.fields,
    unmaskedFields: r.unmaskedFields,
    purpose: r.purpose,
    expiresAt: r.expiresAt.toISOString(),
    createdAt: r.createdAt.toISOString(),
    createdBy: r.createdBy,
    revokedAt: r.revokedAt ? r.revokedAt.toISOString() : null,
  };
}

const refuse = (path: string, rule: string, message: string): never => {
  throw new AppError('BAD_USER_INPUT', `${path}: ${message} (${rule})`, { path, rule });
};

/**
 * Grants are for RESTRICTED datasets; fields must exist, unmaskedFields ⊆ fields, expiry in the future.
 * `createdBy` is who made it (`sub@dept` of the verified caller, never a field of the request).
 */
export async function createGrant(
  db: CatalogDb,
  input: GrantCreate & { createdBy: string },
  now: Date,
  origin: FactOrigin,
): Promise<Grant> {
  const [ds] = await db.select().from(datasets).where(eq(datasets.id, input.datasetId));
  if (!ds) throw new AppError('NOT_FOUND', `dataset "${input.datasetId}" not found`);
  if (ds.tier !== 'RESTRICTED')
    refuse(
      'datasetId',
      'tier-not-restricted',
      `dataset "${ds.id}" is ${ds.tier}; grants are only for RESTRICTED datasets`,
    );
  const [dept] = await db.select().from(departments).where(eq(departments.code, input.granteeDept));
  if (!dept) refuse('granteeDept', 'department-unknown', `department "${input.granteeDept}" does not exist`);
  const known = new Set(Object.keys(ds.schema.properties));
  for (const f of input.fields)
    if (!known.has(f)) refuse('fields', 'field-unknown', `field "${f}" is not in dataset "${ds.id}"`);
  const unmasked = input.unmaskedFields ?? [];
  for (const f of unmasked)
    if (!input.fields.includes(f))
      refuse('unmaskedFields', 'unmasked-not-granted', `field "${f}" is not among the granted fields`);
  const expiresAt = new Date(input.expiresAt);
  if (!(expiresAt.getTime() > now.getTime())) refuse('expiresAt', 'expiry-in-past', `must be in the future`);
  // The grant and its audit fact commit together (the outbox); the hub relays the fact afterwards.
  const grant = await grantCacheFor(db).aroundWrite(() =>
    db.transaction(async (tx) => {
      const [row] = await tx
        .insert(grants)
        .values({
          datasetId: ds.id,
          granteeDept: input.granteeDept,
          fields: input.fields,
          unmaskedFields: unmasked,
          purpose: input.purpose,
          expiresAt,
          createdBy: input.createdBy,
          createdAt: now,
        })
        .returning();
      const created = toGrant(row);
      await enqueueGrantFacts(tx, [grantFactEvent('grants.created', created, origin, now)]);
      return created;
    }),
  );
  return grant;
}

export async function listGrants(
  db: CatalogDb,
  q: { datasetId?: string; granteeDept?: string; active?: boolean; changedSince?: string },
  now: Date = new Date(),
): Promise<{ grants: Grant[] }> {
  const conds: SQL[] = [];
  // Created or revoked at or after the time (the gateway's sweep of grant facts asks for recent changes).
  if (q.changedSince)
    conds.push(or(gte(grants.createdAt, new Date(q.changedSince)), gte(grants.revokedAt, new Date(q.changedSince)))!);
  if (q.datasetId) conds.push(eq(grants.datasetId, q.datasetId));
  if (q.granteeDept) conds.push(eq(grants.granteeDept, q.granteeDept));
  if (q.active === true) conds.push(and(isNull(grants.revokedAt), gt(grants.expiresAt, now))!);
  if (q.active === false) conds.push(or(isNotNull(grants.revokedAt), lte(grants.expiresAt, now))!);
  const rows = await db
    .select()
    .from(grants)
    .where(conds.length ? and(...conds) : undefined)
    .orderBy(asc(grants.createdAt), asc(grants.id));
  return { grants: rows.map(toGrant) };
}

const isUuid = (s: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);

export async function getGrant(db: CatalogDb, id: string): Promise<Grant> {
  if (!isUuid(id)) throw new AppError('NOT_FOUND', `grant "${id}" not found`);
  const [row] = await db.select().from(grants).where(eq(grants.id, id));
  if (!row) throw new AppError('NOT_FOUND', `grant "${id}" not found`);
  return toGrant(row);
}

/**
 * Sets revoked_at once; revoking again returns the grant unchanged. Times come from the catalog's
 * clock, not the database's: expiry and `changedSince` are compared with that clock, and the two
 * may disagree (another host, or a test's clock).
 */
export async function revokeGrant(db: CatalogDb, id: string, now: Date, origin: FactOrigin): Promise<Grant> {
  if (!isUuid(id)) throw new AppError('NOT_FOUND', `grant "${id}" not found`);
  await grantCacheFor(db).aroundWrite(() =>
    db.transaction(async (tx) => {
      const ended = await tx
        .update(grants)
        .set({ revokedAt: now })
        .where(and(eq(grants.id, id), isNull(grants.revokedAt)))
        .returning({ id: grants.id, datasetId: grants.datasetId });
      // Only the revocation that ended the grant has a fact; revoking again changes nothing.
      await enqueueGrantFacts(
        tx,
        ended.map((g) => grantFactEvent('grants.revoked', g, origin, now)),
      );
    }),
  );
  return getGrant(db, id);
}
