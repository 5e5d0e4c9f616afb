import type { Db } from '@govshare/platform';
import { revokedTokens } from '../schema.ts';

export interface Revocations {
  isRevoked(jti: string): boolean;
  revoke(jti: string, reason: string, revokedBy: string): Promise<void>;
  refresh(): Promise<void>;
  stop(): void;
}

/**
 * Revoked token ids, kept in memory for the per-request check and refreshed from the gateway's
 * database every few seconds so several gateway instances converge.
 */
export async function loadRevocations(db: Db, refreshMs = 5000): Promise<Revocations> {
  let revoked = new Set<string>();
  const refresh = async () => {
    const rows = await db.select({ jti: revokedTokens.jti }).from(revokedTokens);
    revoked = new Set(rows.map((r) => r.jti));
  };
  await refresh();
  const timer = setInterval(() => void refresh().catch(() => {}), refreshMs);
  timer.unref();
  return {
    isRevoked: (jti) => revoked.has(jti),
    async revoke(jti, reason, revokedBy) {
      await db.insert(revokedTokens).values({ jti, reason, revokedBy }).onConflictDoNothing();
      revoked.add(jti);
    },
    refresh,
    stop: () => clearInterval(timer),
  };
}
