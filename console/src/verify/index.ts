// In-browser verification of what the hub signs (issue 13): audit checkpoints, inclusion and
// consistency proofs, red/black lists. Web APIs only (WebCrypto, TextEncoder, a fetch passed in).
export { toHex, fromHex, fromBase64 } from './bytes.ts';
export { canonicalJson } from './jcs.ts';
export { verifyEdDsaJws, jwsKeyId, type Ed25519PublicJwk, type Jwks } from './jws.ts';
export { leafHash, nodeHash, rootFromInclusionProof, verifyInclusionProof, verifyConsistencyProof } from './merkle.ts';
export {
  verifyCheckpoint,
  verifyCheckpointConsistency,
  fetchCheckpointKeys,
  CHECKPOINT_JWKS_PATH,
  type CheckpointResult,
  type VerifiedCheckpoint,
} from './checkpoint.ts';
export {
  verifyEventInclusion,
  leafBytes,
  storedEvent,
  AUDIT_EVENT_LEAF_FIELDS,
  type ApiAuditEvent,
  type InclusionResult,
} from './inclusion.ts';
export { verifyRedBlackList, type RedBlackListResult } from './red-black-list.ts';
