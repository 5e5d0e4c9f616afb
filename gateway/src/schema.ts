import { pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** Token ids an admin revoked; refused until they would have expired anyway. */
export const revokedTokens = pgTable('revoked_tokens', {
  jti: text('jti').primaryKey(),
  reason: text('reason').notNull(),
  revokedBy: text('revoked_by').notNull(),
  revokedAt: timestamp('revoked_at', { withTimezone: true }).notNull().defaultNow(),
});
