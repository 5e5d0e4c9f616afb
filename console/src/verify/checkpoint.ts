// The audit log's signed checkpoints: {treeSize, rootHash (base64), timestamp} as an EdDSA compact
// JWS by the audit service's own key, published in the JWKS at /.well-known/audit-checkpoint-jwks.json
// (services/audit/src/checkpoints.ts signs them). Verified here with WebCrypto.
import { type Bytes, fromBase64, fromHex, fromUtf8 } from './bytes.ts';
import { type Ed25519PublicJwk, readJwks, verifyEdDsaJws } from './jws.ts';
import { verifyConsistencyProof } from './merkle.ts';

export const CHECKPOINT_TYP = 'govshare-audit-checkpoint+jws';
export const CHECKPOINT_JWKS_PATH = '/.well-known/audit-checkpoint-jwks.json';

/** A checkpoint as the API returns it (GraphQL `AuditCheckpoint`); only `jws` is trusted, once verified. */
export interface CheckpointInput {
  jws: string;
  treeSize?: number;
  rootHash?: string;
  timestamp?: string;
}

export interface VerifiedCheckpoint {
  ok: true;
  treeSize: number;
  /** The signed Merkle root (32 bytes). */
  rootHash: Bytes;
  /** When the audit service signed it (as it says). */
  timestamp: string;
  /** The kid of the key that signed it. */
  keyId: string;
}

export type CheckpointResult = VerifiedCheckpoint | { ok: false; reason: string };

const fail = (reason: string) => ({ ok: false as const, reason });

/**
 * Verifies the checkpoint's JWS with the key its header names among `jwks` (the document published at
 * CHECKPOINT_JWKS_PATH, or its `keys`), then returns what was signed. The plain fields beside the JWS,
 * when given, must say the same as the signed payload.
 */
export async function verifyCheckpoint(
  cp: CheckpointInput,
  jwks: { keys: Ed25519PublicJwk[] } | Ed25519PublicJwk[],
): Promise<CheckpointResult> {
  if (!cp || typeof cp !== 'object') return fail('no checkpoint was given');
  const set = readJwks(Array.isArray(jwks) ? { keys: jwks } : jwks);
  if (!set.ok) return set;
  const sig = await verifyEdDsaJws(cp.jws, set.keys, CHECKPOINT_TYP);
  if (!sig.ok) return fail(`checkpoint: ${sig.reason}`);
  let payload: { treeSize?: unknown; rootHash?: unknown; timestamp?: unknown };
  try {
    payload = JSON.parse(fromUtf8(sig.payload) ?? '');
  } catch {
    return fail('checkpoint: the signed payload is not JSON');
  }
  const { treeSize, rootHash, timestamp } = payload ?? {};
  if (!Number.isSafeInteger(treeSize) || (treeSize as number) < 0)
    return fail('checkpoint: the signed treeSize is not a non-negative integer');
  const root = typeof rootHash === 'string' ? fromBase64(rootHash) : null;
  if (!root || root.length !== 32) return fail('checkpoint: the signed rootHash is not 32 bytes of base64');
  if (typeof timestamp !== 'string' || Number.isNaN(Date.parse(timestamp)))
    return fail('checkpoint: the signed timestamp is not a date-time');
  if (cp.treeSize !== undefined && cp.treeSize !== treeSize)
    return fail(`checkpoint: the tree size shown (${cp.treeSize}) is not the signed one (${treeSize})`);
  if (cp.rootHash !== undefined && cp.rootHash !== rootHash)
    return fail('checkpoint: the root hash shown is not the signed one');
  // GraphQL's DateTime may re-format the instant; the instant must be the same.
  if (cp.timestamp !== undefined && Date.parse(cp.timestamp) !== Date.parse(timestamp))
    return fail(`checkpoint: the time shown (${cp.timestamp}) is not the signed one (${timestamp})`);
  return { ok: true, treeSize: treeSize as number, rootHash: root, timestamp, keyId: sig.keyId };
}

/** GETs the published checkpoint keys; `fetchFn` is the page's fetch (or Node's), `origin` the hub's. */
export async function fetchCheckpointKeys(
  fetchFn: typeof fetch,
  origin: string,
): Promise<{ ok: true; keys: Ed25519PublicJwk[] } | { ok: false; reason: string }> {
  let body: unknown;
  try {
    const res = await fetchFn(new URL(CHECKPOINT_JWKS_PATH, origin).toString(), {
      headers: { accept: 'application/json' },
    });
    if (!res.ok) return fail(`the checkpoint keys could not be fetched (HTTP ${res.status})`);
    body = await res.json();
  } catch (err) {
    return fail(`the checkpoint keys could not be fetched: ${(err as Error).message}`);
  }
  return readJwks(body);
}

/** A consistency proof as the API returns it (GraphQL `AuditConsistencyProof`); hashes are hex. */
export interface ConsistencyInput {
  from: number;
  to: number;
  proof: string[];
}

/**
 * Does the newer verified checkpoint extend the older one (the log was only appended to between
 * them)? Uses the signed roots, not the proof's fromRoot/toRoot.
 */
export async function verifyCheckpointConsistency(
  older: VerifiedCheckpoint,
  newer: VerifiedCheckpoint,
  p: ConsistencyInput,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  if (older.treeSize > newer.treeSize)
    return fail(`the older checkpoint (${older.treeSize}) is larger than the newer one (${newer.treeSize})`);
  if (p.from !== older.treeSize || p.to !== newer.treeSize)
    return fail(
      `the consistency proof is from ${p.from} to ${p.to}, ` +
        `not between the checkpoints (${older.treeSize} and ${newer.treeSize})`,
    );
  const nodes = (Array.isArray(p.proof) ? p.proof : []).map(fromHex);
  if (!Array.isArray(p.proof) || nodes.some((n) => !n || n.length !== 32))
    return fail('the consistency proof has a node that is not 32 bytes of hex');
  const ok = await verifyConsistencyProof(
    older.treeSize,
    newer.treeSize,
    older.rootHash,
    newer.rootHash,
    nodes as Bytes[],
  );
  return ok
    ? { ok: true }
    : fail(
        `the log of ${newer.treeSize} events does not extend the one of ${older.treeSize}: ` +
          'history before the older checkpoint was changed, or the proof is wrong',
      );
}
