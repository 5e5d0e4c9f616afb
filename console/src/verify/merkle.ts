// RFC 6962 / RFC 9162 Merkle tree verification with WebCrypto SHA-256, in the browser. The audit
// service builds the tree (services/audit/src/merkle.ts); this side only recomputes roots from
// proofs, so an auditor learns the root from the leaf and the path, not from the server's word.
import { type Bytes, equalBytes, sha256 } from './bytes.ts';

const LEAF = new Uint8Array([0x00]);
const NODE = new Uint8Array([0x01]);

/** RFC 6962 §2.1: leaf hash = SHA-256(0x00 || leaf bytes). */
export const leafHash = (leaf: Uint8Array): Promise<Bytes> => sha256(LEAF, leaf);
/** RFC 6962 §2.1: interior node = SHA-256(0x01 || left || right). */
export const nodeHash = (left: Uint8Array, right: Uint8Array): Promise<Bytes> => sha256(NODE, left, right);

const isSize = (n: number) => Number.isSafeInteger(n) && n >= 0;
const half = (n: number) => Math.floor(n / 2); // not >>: tree sizes may exceed 2^31
function isPowerOfTwo(n: number): boolean {
  while (n > 1 && n % 2 === 0) n /= 2;
  return n === 1;
}

/**
 * RFC 9162 §2.1.3.2: the root that an inclusion proof of the leaf at `index` in a tree of `size`
 * leaves leads to, or null when the proof cannot be one (wrong length, index outside the tree, a
 * node that is not 32 bytes). The caller compares the result with a signed root.
 */
export async function rootFromInclusionProof(
  index: number,
  size: number,
  leafHashValue: Uint8Array,
  proof: readonly Uint8Array[],
): Promise<Bytes | null> {
  if (!isSize(index) || !isSize(size) || index >= size || leafHashValue.length !== 32) return null;
  let fn = index;
  let sn = size - 1;
  let r: Bytes = new Uint8Array(leafHashValue);
  for (const p of proof) {
    if (p.length !== 32 || sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 ? r : null;
}

export async function verifyInclusionProof(
  index: number,
  size: number,
  leafHashValue: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): Promise<boolean> {
  const r = await rootFromInclusionProof(index, size, leafHashValue, proof);
  return r !== null && equalBytes(r, root);
}

/**
 * RFC 9162 §2.1.4.2: does `proof` show that the tree of `n` leaves with root `nRoot` extends the tree
 * of `m` leaves with root `mRoot` (same first m leaves, nothing rewritten)?
 */
export async function verifyConsistencyProof(
  m: number,
  n: number,
  mRoot: Uint8Array,
  nRoot: Uint8Array,
  proof: readonly Uint8Array[],
): Promise<boolean> {
  if (!isSize(m) || !isSize(n) || m > n || mRoot.length !== 32 || nRoot.length !== 32) return false;
  if (m === n) return proof.length === 0 && equalBytes(mRoot, nRoot);
  // An empty tree is a prefix of every tree; there is nothing to prove (RFC 9162 requires m > 0).
  if (m === 0) return proof.length === 0;
  if (proof.length === 0 || proof.some((p) => p.length !== 32)) return false;
  const path = isPowerOfTwo(m) ? [mRoot, ...proof] : [...proof];
  let fn = m - 1;
  let sn = n - 1;
  while (fn % 2 === 1) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr: Bytes = new Uint8Array(path[0]!);
  let sr: Bytes = new Uint8Array(path[0]!);
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && equalBytes(fr, mRoot) && equalBytes(sr, nRoot);
}
