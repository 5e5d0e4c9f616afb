// The data-quality red/black lists (数据质量红黑榜): each publication is signed by the quality service's
// own Ed25519 key as a compact JWS whose payload is the RFC 8785 canonical JSON of the publication
// body (services/quality/src/signing.ts). The key is the API's `redBlackListPublicKey` ({jwk, alg, use}).
import { fromUtf8 } from './bytes.ts';
import { canonicalJson } from './jcs.ts';
import { type Ed25519PublicJwk, verifyEdDsaJws } from './jws.ts';

export const PUBLICATION_TYP = 'govshare-publication+jws';

export type RedBlackListResult =
  | { ok: true; keyId: string; period: string; publication: Record<string, unknown> }
  | { ok: false; reason: string };

const fail = (reason: string) => ({ ok: false as const, reason });

/**
 * Verifies a published list: the JWS with the published key (by kid), and, when `body` is given (the
 * API's `RedBlackList.body`), that it is exactly what was signed. Returns the signed publication:
 * render that, not the unsigned fields next to it.
 */
export async function verifyRedBlackList(
  list: { jws: string | null | undefined; body?: unknown },
  publicKey: { jwk: Ed25519PublicJwk } | Ed25519PublicJwk,
): Promise<RedBlackListResult> {
  if (!list || typeof list.jws !== 'string') return fail('the list has no signature (JWS)');
  const jwk = publicKey && 'jwk' in publicKey ? publicKey.jwk : (publicKey as Ed25519PublicJwk);
  if (!jwk || typeof jwk !== 'object') return fail('no public key was given for the lists');
  const sig = await verifyEdDsaJws(list.jws, [jwk], PUBLICATION_TYP);
  if (!sig.ok) return fail(`red/black list: ${sig.reason}`);
  const text = fromUtf8(sig.payload);
  let publication: Record<string, unknown>;
  try {
    publication = JSON.parse(text ?? '');
  } catch {
    return fail('red/black list: the signed payload is not JSON');
  }
  if (!publication || typeof publication !== 'object' || Array.isArray(publication))
    return fail('red/black list: the signed payload is not a publication');
  if (list.body !== undefined && list.body !== null) {
    let shown: string;
    try {
      shown = canonicalJson(list.body);
    } catch {
      return fail('red/black list: the list shown is not JSON');
    }
    if (shown !== text) return fail('red/black list: the list shown is not the one that was signed');
  }
  return { ok: true, keyId: sig.keyId, period: String(publication.period ?? ''), publication };
}
