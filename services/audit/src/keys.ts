import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { JWK } from 'jose';
import { dirname, join } from 'node:path';
import { generateEd25519, keyFile, loadOrCreateKeyPair, type KeyPairJwk } from '@govshare/platform';

export const CHECKPOINT_KID = 'govshare-audit-checkpoint-1';

/** The key pair that signs new checkpoints, and the public keys of the ones it replaced. */
export interface CheckpointKeys extends KeyPairJwk {
  /** Public keys that signed earlier checkpoints: kept, so those still verify. */
  retired?: JWK[];
}

/** Every public key a checkpoint of this log may carry (by `kid`), the current one first. */
export const checkpointPublicKeys = (keys: CheckpointKeys): JWK[] => [keys.publicJwk, ...(keys.retired ?? [])];

const retiredFile = (dataDir: string) => join(dataDir, 'keys', 'audit-checkpoint.retired.jwks.json');

function readRetired(dataDir: string): JWK[] {
  const file = retiredFile(dataDir);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { keys: JWK[] }).keys : [];
}

/** The audit service's own Ed25519 key pair for signing checkpoints (never the gateway's key). */
export async function loadCheckpointKeys(dataDir: string): Promise<CheckpointKeys> {
  if (dataDir === ':memory:') return generateEd25519(CHECKPOINT_KID);
  const pair = await loadOrCreateKeyPair(keyFile(dataDir, 'audit-checkpoint'), CHECKPOINT_KID);
  return { ...pair, retired: readRetired(dataDir) };
}

/**
 * Replaces the checkpoint signing key: the current public key joins the retired ones (published
 * with it, so every checkpoint it signed still verifies) and a new pair with a new `kid` takes its
 * place. The running service picks the new key up at its next start. Writes go to temporary files
 * renamed into place, the retired list first, so an interruption never loses a public key.
 */
export async function rotateCheckpointKey(
  dataDir: string,
  now = new Date(),
): Promise<{ retiredKid: string; currentKid: string }> {
  const file = keyFile(dataDir, 'audit-checkpoint');
  if (!existsSync(file)) throw new Error(`no checkpoint key at ${file}: start the audit service once first`);
  const old = JSON.parse(readFileSync(file, 'utf8')) as KeyPairJwk;
  const retired = readRetired(dataDir).filter((k) => k.kid !== old.publicJwk.kid);
  const kid = `govshare-audit-checkpoint-${now.toISOString().replace(/[-:.]/g, '')}`;
  if (kid === old.publicJwk.kid || retired.some((k) => k.kid === kid))
    throw new Error(`key id ${kid} is already in use`);
  const replace = (target: string, text: string) => {
    const tmp = `${target}.${process.pid}.tmp`;
    writeFileSync(tmp, text, { mode: 0o600 });
    renameSync(tmp, target);
  };
  replace(retiredFile(dataDir), JSON.stringify({ keys: [old.publicJwk, ...retired] }, null, 2) + '\n');
  replace(file, JSON.stringify(await generateEd25519(kid)));
  return { retiredKid: old.publicJwk.kid!, currentKid: kid };
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

/**
 * An identifier as it is compared: Unicode NFKC (full-width digits and letters become ASCII), trimmed,
 * upper case, the way masking (packages/platform/src/policy/masking.ts) and the quality service normalise, so
 * `11010519900101123x`, ` 11010519900101123X ` and its full-width form are one subject.
 */
export const normaliseIdentifier = (identifier: string): string => identifier.normalize('NFKC').trim().toUpperCase();

/** Keyed HMAC-SHA256 (hex) of one subject identifier, normalised first (on storing and on lookup alike). */
export function subjectKeyOf(key: Uint8Array, identifier: string): string {
  return createHmac('sha256', key).update(normaliseIdentifier(identifier), 'utf8').digest('hex');
}

/** Issuer of the calls one audit instance forwards to the sequencer (never the gateway's key). */
export const AUDIT_PEER_CALLER = { issuer: 'govshare-audit', subject: 'audit' };

/**
 * The key pair audit instances sign forwarded calls with: shared by every instance of one log (like
 * the checkpoint key), created on first start under <dataDir>/keys/.
 */
export function loadPeerKeys(dataDir: string): Promise<KeyPairJwk> {
  if (dataDir === ':memory:') return generateEd25519('govshare-audit-peer-1');
  return loadOrCreateKeyPair(keyFile(dataDir, 'audit-peer'), 'govshare-audit-peer-1');
}
