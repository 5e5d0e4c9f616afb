// RFC 6962 / RFC 9162 Merkle tree hashing, proofs and proof verification. Pure: no I/O.
//
// Leaf hash = SHA-256(0x00 || leaf), node hash = SHA-256(0x01 || left || right). A tree of n > 1
// leaves splits at k = the largest power of two smaller than n. Every left subtree in that
// decomposition is a perfect, aligned subtree; "node (level, index)" is the perfect subtree covering
// leaves [index * 2^level, (index + 1) * 2^level). Proof generation reads only such nodes through a
// NodeSource, so a store that keeps them answers any proof in O(log n) lookups.
import { createHash } from 'node:crypto';

export type Hash = Buffer;

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

export function sha256(...parts: Uint8Array[]): Hash {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

export const leafHash = (leaf: Uint8Array): Hash => sha256(LEAF_PREFIX, leaf);
export const nodeHash = (left: Uint8Array, right: Uint8Array): Hash => sha256(NODE_PREFIX, left, right);
/** Root of the empty tree: SHA-256 of the empty string. */
export const EMPTY_ROOT: Hash = sha256();

/** Largest power of two strictly smaller than n (n >= 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

const isPow2 = (n: number) => n > 0 && Number.isInteger(n) && 2 ** Math.round(Math.log2(n)) === n;
const log2 = (n: number) => Math.round(Math.log2(n));

/** Hashes of perfect aligned subtrees. */
export interface NodeSource {
  node(level: number, index: number): Uint8Array;
}

export interface NodeRef {
  level: number;
  index: number;
}

/** Merkle tree hash of leaves [start, end) (start aligned as in the RFC 6962 decomposition). */
export function subtreeHash(src: NodeSource, start: number, end: number): Uint8Array {
  const n = end - start;
  if (n <= 0) return EMPTY_ROOT;
  if (isPow2(n) && start % n === 0) return src.node(log2(n), start / n);
  const k = splitPoint(n);
  return nodeHash(subtreeHash(src, start, start + k), subtreeHash(src, start + k, end));
}

export function rootOf(src: NodeSource, size: number): Uint8Array {
  return subtreeHash(src, 0, size);
}

/** RFC 6962 §2.1.1 PATH(m, D[start:end]), leaf-side sibling first. */
function path(src: NodeSource, m: number, start: number, end: number, out: Uint8Array[]): void {
  const n = end - start;
  if (n <= 1) return;
  const k = splitPoint(n);
  if (m < k) {
    path(src, m, start, start + k, out);
    out.push(subtreeHash(src, start + k, end));
  } else {
    path(src, m - k, start + k, end, out);
    out.push(subtreeHash(src, start, start + k));
  }
}

export function inclusionProof(src: NodeSource, index: number, size: number): Uint8Array[] {
  if (!(index >= 0 && index < size)) throw new RangeError(`leaf index ${index} is outside a tree of size ${size}`);
  const out: Uint8Array[] = [];
  path(src, index, 0, size, out);
  return out;
}

/** RFC 6962 §2.1.2 SUBPROOF(m, D[start:end], b). */
function subproof(src: NodeSource, m: number, start: number, end: number, b: boolean, out: Uint8Array[]): void {
  const n = end - start;
  if (m === n) {
    if (!b) out.push(subtreeHash(src, start, end));
    return;
  }
  const k = splitPoint(n);
  if (m <= k) {
    subproof(src, m, start, start + k, b, out);
    out.push(subtreeHash(src, start + k, end));
  } else {
    subproof(src, m - k, start + k, end, false, out);
    out.push(subtreeHash(src, start, start + k));
  }
}

export function consistencyProof(src: NodeSource, m: number, n: number): Uint8Array[] {
  if (!(m >= 0 && m <= n)) throw new RangeError(`cannot prove consistency from size ${m} to size ${n}`);
  if (m === 0 || m === n) return [];
  const out: Uint8Array[] = [];
  subproof(src, m, 0, n, true, out);
  return out;
}

const eq = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.compare(a, b) === 0;

/** RFC 9162 §2.1.3.2. */
export function verifyInclusion(
  index: number,
  size: number,
  leafHashValue: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!(Number.isInteger(index) && Number.isInteger(size) && index >= 0 && index < size)) return false;
  let fn = index;
  let sn = size - 1;
  let r: Uint8Array = leafHashValue;
  for (const p of proof) {
    if (p.length !== 32) return false;
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && eq(r, root);
}

/** RFC 9162 §2.1.4.2. */
export function verifyConsistency(
  m: number,
  n: number,
  mRoot: Uint8Array,
  nRoot: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  if (!(Number.isInteger(m) && Number.isInteger(n) && m >= 0 && m <= n)) return false;
  if (m === n) return proof.length === 0 && eq(mRoot, nRoot);
  if (m === 0) return proof.length === 0 && eq(mRoot, EMPTY_ROOT);
  if (proof.length === 0) return false;
  if (proof.some((p) => p.length !== 32)) return false;
  const path = isPow2(m) ? [mRoot, ...proof] : [...proof];
  let fn = m - 1;
  let sn = n - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr: Uint8Array = path[0]!;
  let sr: Uint8Array = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return eq(fr, mRoot) && eq(sr, nRoot) && sn === 0;
}

/** All levels of a tree held in memory (tests, export verification). */
export class MemoryTree implements NodeSource {
  readonly levels: Hash[][] = [[]];
  constructor(leafHashes: Iterable<Uint8Array> = []) {
    for (const h of leafHashes) this.appendHash(h);
  }
  static fromLeaves(leaves: Iterable<Uint8Array>): MemoryTree {
    const t = new MemoryTree();
    for (const l of leaves) t.appendHash(leafHash(l));
    return t;
  }
  get size(): number {
    return this.levels[0]!.length;
  }
  appendHash(h: Uint8Array): void {
    let level = 0;
    let cur: Hash = Buffer.from(h);
    for (;;) {
      const row = (this.levels[level] ??= []);
      row.push(cur);
      if (row.length % 2 === 1) return;
      cur = nodeHash(row[row.length - 2]!, cur);
      level++;
    }
  }
  node(level: number, index: number): Uint8Array {
    const h = this.levels[level]?.[index];
    if (!h) throw new RangeError(`no complete subtree (${level}, ${index}) in a tree of size ${this.size}`);
    return h;
  }
  root(size = this.size): Uint8Array {
    return rootOf(this, size);
  }
}

/**
 * The right edge of an append-only tree: one perfect subtree hash per set bit of `size`. Appending
 * a leaf reports the complete subtrees it finishes (to be stored); the root is their right fold.
 */
export class Frontier {
  constructor(
    public size = 0,
    /** Perfect subtrees covering [0, size), largest (leftmost) first. */
    public stack: { level: number; hash: Uint8Array }[] = [],
  ) {}

  clone(): Frontier {
    return new Frontier(this.size, this.stack.slice());
  }

  /** Appends a leaf hash; returns every complete subtree (level 0 included) it finishes. */
  append(h: Uint8Array): { level: number; index: number; hash: Uint8Array }[] {
    const done = [{ level: 0, index: this.size, hash: h }];
    let cur = { level: 0, hash: h };
    while (this.stack.length > 0 && this.stack[this.stack.length - 1]!.level === cur.level) {
      const left = this.stack.pop()!;
      cur = { level: cur.level + 1, hash: nodeHash(left.hash, cur.hash) };
      done.push({ level: cur.level, index: Math.floor(this.size / 2 ** cur.level), hash: cur.hash });
    }
    this.stack.push(cur);
    this.size++;
    return done;
  }

  root(): Uint8Array {
    if (this.stack.length === 0) return EMPTY_ROOT;
    let r = this.stack[this.stack.length - 1]!.hash;
    for (let i = this.stack.length - 2; i >= 0; i--) r = nodeHash(this.stack[i]!.hash, r);
    return r;
  }
}

/** The perfect subtrees covering [0, size), largest first (the frontier's node coordinates). */
export function frontierRefs(size: number): NodeRef[] {
  const refs: NodeRef[] = [];
  let start = 0;
  for (let level = 52; level >= 0; level--) {
    const w = 2 ** level;
    if (start + w <= size && Math.floor(size / w) % 2 === 1) {
      refs.push({ level, index: start / w });
      start += w;
    }
  }
  return refs;
}

/**
 * Runs `fn` once against a recording source to learn which nodes it reads (the set never depends on
 * hash values), so a store can fetch them all in one query before running `fn` for real.
 */
export function nodesNeeded(fn: (src: NodeSource) => unknown): NodeRef[] {
  const seen = new Map<string, NodeRef>();
  const zero = Buffer.alloc(32);
  fn({
    node(level, index) {
      seen.set(`${level}:${index}`, { level, index });
      return zero;
    },
  });
  return [...seen.values()];
}

export const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');
export const fromHex = (s: string) => Buffer.from(s, 'hex');
