// Search for auditors (the gateway checks the auditor role). Results are read from the leaf bytes.
import { and, asc, desc, eq, gt, gte, lt, sql, type SQL } from 'drizzle-orm';
import type { Db } from '@govshare/platform';
import type { AuditEventPage, AuditEventsQuery } from '@govshare/contracts';
import { parseLeaf } from './append.ts';
import { subjectKeyOf } from './keys.ts';
import { events } from './schema.ts';
import { storableText } from './stored-text.ts';

/** Newest first unless asked otherwise: an auditor's first question is what happened lately. */
async function page(
  db: Db,
  conds: SQL[],
  first: number,
  after?: string,
  order: 'newest' | 'oldest' = 'newest',
): Promise<AuditEventPage> {
  if (after !== undefined)
    conds.push(order === 'newest' ? lt(events.seq, Number(after)) : gt(events.seq, Number(after)));
  const rows = await db
    .select({ seq: events.seq, leaf: events.leaf })
    .from(events)
    .where(conds.length ? and(...conds) : undefined)
    .orderBy(order === 'newest' ? desc(events.seq) : asc(events.seq))
    .limit(first + 1);
  const hasNextPage = rows.length > first;
  const shown = rows.slice(0, first);
  return {
    events: shown.map((r) => parseLeaf(r.leaf)),
    endCursor: shown.length ? String(shown[shown.length - 1]!.seq) : null,
    hasNextPage,
  };
}

export function searchEvents(db: Db, q: AuditEventsQuery): Promise<AuditEventPage> {
  const conds: SQL[] = [];
  if (q.dept) conds.push(eq(events.actorDept, storableText(q.dept)));
  if (q.sub) conds.push(eq(events.actorSub, storableText(q.sub)));
  if (q.dataset) conds.push(eq(events.dataset, storableText(q.dataset)));
  if (q.action) conds.push(eq(events.action, storableText(q.action)));
  if (q.outcome) conds.push(eq(events.outcome, storableText(q.outcome)));
  if (q.requestId) conds.push(eq(events.requestId, storableText(q.requestId)));
  if (q.accessRequestId) conds.push(eq(events.accessRequestId, storableText(q.accessRequestId)));
  if (q.from) conds.push(gte(events.at, new Date(q.from)));
  if (q.to) conds.push(lt(events.at, new Date(q.to)));
  return page(db, conds, q.first ?? 50, q.after, q.order);
}

/** Events whose subjectKeys contain HMAC(identifier). The identifier itself is not stored or logged. */
export async function lookupSubject(
  db: Db,
  key: Uint8Array,
  q: { identifier: string; first?: number; after?: string },
): Promise<AuditEventPage> {
  const subjectKey = subjectKeyOf(key, q.identifier);
  const res = await page(db, [sql`${events.subjectKeys} @> array[${subjectKey}]::text[]`], q.first ?? 50, q.after);
  return { ...res, subjectKey };
}
