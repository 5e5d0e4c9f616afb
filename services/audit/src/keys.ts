import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generateEd25519, keyFile, loadOrCreateKeyPair, type KeyPairJwk } from '@govshare/platform';

export const CHECKPOINT_KID = 'govshare-audit-checkpoint-1';

/** The audit service's own Ed25519 key pair for signing checkpoints (never the gateway's key). */
export function loadCheckpointKeys(dataDir: string): Promise<KeyPairJwk> {
  if (dataDir === ':memory:') return generateEd25519(CHECKPOINT_KID);
  return loadOrCreateKeyPair(keyFile(dataDir, 'audit-checkpoint'), CHECKPOINT_KID);
}

/**
 * The secret of the subject HMAC: the given value (AUDIT_SUBJECT_KEY), else a dev key file created on
 * first start (mode 0600), else (':memory:') a throwaway random key.
 */
export function loadSubjectKey(dataDir: string, given?: string): Buffer {
  if (given) return Buffer.from(given, 'utf8');
  if (dataDir === ':memory:') return randomBytes(32);
  const file = join(dataDir, 'keys', 'audit-subject.key');
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    try {
      writeFileSync(file, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'utf8');
}

/** Keyed HMAC-SHA256 (hex) of one subject identifier. */
export function subjectKeyOf(key: Uint8Array, identifier: string): string {
  return createHmac('sha256', key).update(identifier, 'utf8').digest('hex');
}
