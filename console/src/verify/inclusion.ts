// Inclusion of one audit event in the signed log, checked in the browser. The audit service stores
// each event as its leaf: the RFC 8785 canonical JSON (UTF-8) of the stored event (the event without
// `subjects`, with `subjectKeys` and `seq`; services/audit/src/append.ts), and hashes exactly those
// bytes. Here the leaf is rebuilt from the event the page shows, hashed, and walked up the proof to
// the root of a checkpoint whose signature was verified, so what the auditor reads is what is logged.
import { type Bytes, equalBytes, fromBase64, fromHex, fromUtf8, toHex, utf8 } from './bytes.ts';
import type { VerifiedCheckpoint } from './checkpoint.ts';
import { canonicalJson } from './jcs.ts';
import { leafHash, rootFromInclusionProof } from './merkle.ts';

/**
 * Every field of GraphQL's AuditEvent: the page must ask for all of them, or the leaf cannot be
 * rebuilt (verify.test.ts checks this covers every property of the stored event's contract).
 */
export const AUDIT_EVENT_LEAF_FIELDS = `seq id at requestId actor { sub dept roles tokenId } action outcome reason
  errorCode withholds dataset datasetVersion fields maskedFields filter recordCount grantId purpose grantExpiresAt
  accessRequestId subjectKeys client`;

/** An event as GraphQL returns it (absent fields are null, the token id is `actor.tokenId`), or as stored. */
export type ApiAuditEvent = Record<string, unknown> & {
  seq: number;
  actor: Record<string, unknown> & { tokenId?: string | null; jti?: string };
};

/** An inclusion proof as the API returns it (GraphQL `AuditInclusionProof`): hashes hex, leaf base64. */
export interface InclusionInput {
  leafIndex: number;
  treeSize: number;
  proof: string[];
  /** The logged leaf bytes (base64): only used to say which field differs when the event does not verify. */
  leaf?: string;
}

export type InclusionResult =
  | { ok: true; seq: number; treeSize: number; leafHash: string; keyId: string }
  | { ok: false; reason: string };

const fail = (reason: string) => ({ ok: false as const, reason });

const dropAbsent = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).filter(([k, v]) => v !== null && v !== undefined && k !== '__typename'));

/** The stored form of an event the API returned: GraphQL's nulls are absent members, `tokenId` is `jti`. */
export function storedEvent(e: ApiAuditEvent): Record<string, unknown> {
  const { tokenId, ...actor } = e.actor ?? {};
  const jti = actor.jti ?? tokenId;
  return dropAbsent({ ...e, actor: dropAbsent({ ...actor, jti }) });
}

/** The exact leaf bytes the audit service hashed for this event. */
export const leafBytes = (e: ApiAuditEvent): Bytes => utf8(canonicalJson(storedEvent(e)));

/** Top-level members (actor.* one level down) on which the shown event and the logged leaf differ. */
function differences(shown: Record<string, unknown>, logged: Record<string, unknown>): string[] {
  const out: string[] = [];
  const keys = [...new Set([...Object.keys(shown), ...Object.keys(logged)])].sort();
  for (const k of keys) {
    const a = shown[k];
    const b = logged[k];
    if (k === 'actor' && a && b && typeof a === 'object' && typeof b === 'object') {
      for (const d of differences(a as Record<string, unknown>, b as Record<string, unknown>)) out.push(`actor.${d}`);
    } else if ((a === undefined ? '' : canonicalJson(a)) !== (b === undefined ? '' : canonicalJson(b))) out.push(k);
  }
  return out;
}

/**
 * Verifies that `event` is leaf `event.seq` of the tree that `checkpoint` signed, by the proof the API
 * gave for that tree size. The proof's own rootHash is not used: the root must come out of the leaf
 * and the path and equal the signed one.
 */
export async function verifyEventInclusion(
  event: ApiAuditEvent,
  proof: InclusionInput,
  checkpoint: VerifiedCheckpoint,
): Promise<InclusionResult> {
  if (!checkpoint || checkpoint.ok !== true) return fail('the checkpoint was not verified');
  if (!event || typeof event !== 'object' || !Number.isSafeInteger(event.seq)) return fail('the event has no seq');
  if (proof.leafIndex !== event.seq)
    return fail(`the proof is for event ${proof.leafIndex}, not for the event shown (${event.seq})`);
  if (proof.treeSize !== checkpoint.treeSize)
    return fail(`the proof is for a log of ${proof.treeSize} events, the checkpoint signs ${checkpoint.treeSize}`);
  if (event.seq >= checkpoint.treeSize)
    return fail(`event ${event.seq} is not covered by the checkpoint (${checkpoint.treeSize} events)`);
  const nodes = Array.isArray(proof.proof) ? proof.proof.map(fromHex) : [null];
  if (nodes.some((n) => !n || n.length !== 32)) return fail('the proof has a node that is not 32 bytes of hex');
  const path = nodes as Bytes[];
  const hash = await leafHash(leafBytes(event));
  const root = await rootFromInclusionProof(event.seq, checkpoint.treeSize, hash, path);
  if (root === null)
    return fail(`the proof has ${path.length} nodes, which is not the path length for a log of ${checkpoint.treeSize}`);
  if (equalBytes(root, checkpoint.rootHash))
    return { ok: true, seq: event.seq, treeSize: checkpoint.treeSize, leafHash: toHex(hash), keyId: checkpoint.keyId };
  // Say why: does the logged leaf verify (then the event shown differs from it), or not even that?
  const logged = proof.leaf !== undefined ? fromBase64(proof.leaf) : null;
  if (logged) {
    const loggedRoot = await rootFromInclusionProof(event.seq, checkpoint.treeSize, await leafHash(logged), path);
    if (loggedRoot && equalBytes(loggedRoot, checkpoint.rootHash)) {
      let parsed: Record<string, unknown> | null = null;
      try {
        parsed = JSON.parse(fromUtf8(logged) ?? '');
      } catch {}
      const fields = parsed ? differences(storedEvent(event), parsed) : [];
      return fail(
        `the event shown is not the one logged as event ${event.seq}` +
          (fields.length ? `: it differs in ${fields.join(', ')}` : ''),
      );
    }
  }
  return fail(
    `event ${event.seq} and its proof do not lead to the signed root of ${checkpoint.treeSize} events: ` +
      'the event, the proof or the log was changed',
  );
}
