import { distance } from 'fastest-levenshtein';
import { normaliseText } from './normalise.ts';

export interface NearDupOptions {
  /** Levenshtein ratio 1 - d / max(len) at or above which two values are near duplicates. */
  threshold: number;
  /** Blocks kept at once; the oldest block is dropped beyond this (counted in evictedBlocks). */
  maxBlocks: number;
  /** Cluster representatives per block; the oldest is dropped beyond this (counted in evictedReps). */
  maxRepsPerBlock: number;
}

export const DEFAULT_NEAR_DUP: NearDupOptions = { threshold: 0.9, maxBlocks: 200_000, maxRepsPerBlock: 16 };

export interface ClusterSummary {
  size: number;
  firstKey: string;
  firstValue: string;
}

export interface NearDupResult {
  threshold: number;
  compared: number;
  clusters: number;
  nearDuplicates: number;
  comparisons: number;
  evictedBlocks: number;
  evictedReps: number;
  topClusters: ClusterSummary[];
}

/**
 * Block key: the digit runs of the normalised text (house, building, unit, room numbers survive
 * variant spellings), or its first 4 characters when it has no digits.
 */
export function blockKey(text: string): string {
  // Same as `text.match(/\d+/g)?.join('-') ?? text.slice(0, 4)`, without the match array.
  let out = '';
  let found = false;
  const n = text.length;
  for (let i = 0; i < n; ) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < n && text.charCodeAt(j) >= 48 && text.charCodeAt(j) <= 57) j++;
    out = found ? out + '-' + text.slice(i, j) : text.slice(i, j);
    found = true;
    i = j;
  }
  return found ? out : text.slice(0, 4);
}

/**
 * blockKey(text) as a Map key without building the string when it is short: a digit-run key of at
 * most 15 characters ("88-3-2-501") read as a base-11 number (digit d -> d + 1, '-' -> 0; it starts
 * with a digit, so the number is unique to the key and below 2^53). Numbers and strings never equal
 * each other as Map keys, so mixing both keeps blocks exactly as blockKey() defines them.
 */
export function blockMapKey(text: string): number | string {
  let code = 0;
  let len = 0;
  let found = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) continue;
    if (found && (i === 0 || text.charCodeAt(i - 1) < 48 || text.charCodeAt(i - 1) > 57)) {
      code *= 11; // '-' between runs
      len++;
    }
    code = code * 11 + (c - 47);
    len++;
    found = true;
    if (len > 15) return blockKey(text);
  }
  return found ? code : text.slice(0, 4);
}

export function similarity(a: string, b: string): number {
  const max = Math.max(a.length, b.length);
  return max === 0 ? 1 : 1 - distance(a, b) / max;
}

/**
 * Open-addressing map from positive integer keys (< 2^53) to block slots, linear probing with
 * backward-shift deletion (no tombstones, so heavy delete traffic costs nothing later). 0 = empty.
 */
export class NumberSlots {
  private keys = new Float64Array(1024);
  private vals = new Int32Array(1024);
  private mask = 1023;
  size = 0;
  private home(k: number): number {
    let h = Math.imul((k >>> 0) ^ Math.imul((k / 4294967296) >>> 0, 0x9e3779b1), 0x85ebca6b);
    h ^= h >>> 15;
    return h & this.mask;
  }
  get(k: number): number | undefined {
    const keys = this.keys;
    for (let i = this.home(k); ; i = (i + 1) & this.mask) {
      const v = keys[i];
      if (v === k) return this.vals[i];
      if (v === 0) return undefined;
    }
  }
  set(k: number, slot: number): void {
    if ((this.size + 1) * 2 > this.keys.length) this.grow();
    const keys = this.keys;
    let i = this.home(k);
    while (keys[i] !== 0 && keys[i] !== k) i = (i + 1) & this.mask;
    if (keys[i] === 0) this.size++;
    keys[i] = k;
    this.vals[i] = slot;
  }
  delete(k: number): void {
    const keys = this.keys,
      vals = this.vals,
      mask = this.mask;
    let i = this.home(k);
    while (keys[i] !== k) {
      if (keys[i] === 0) return;
      i = (i + 1) & mask;
    }
    this.size--;
    // Backward shift: move later entries of the run into the gap when their home allows it.
    for (let j = (i + 1) & mask; keys[j] !== 0; j = (j + 1) & mask) {
      const h = this.home(keys[j]);
      // Entry j may move to i when i lies cyclically in [h, j).
      if (((j - h) & mask) >= ((j - i) & mask)) {
        keys[i] = keys[j];
        vals[i] = vals[j];
        i = j;
      }
    }
    keys[i] = 0;
  }
  private grow() {
    const ok = this.keys,
      ov = this.vals;
    this.keys = new Float64Array(ok.length * 2);
    this.vals = new Int32Array(ok.length * 2);
    this.mask = this.keys.length - 1;
    this.size = 0;
    for (let i = 0; i < ok.length; i++) if (ok[i] !== 0) this.set(ok[i], ov[i]);
  }
}

/** Block key -> block slot: numeric keys in NumberSlots, the rest in a Map. */
class BlockSlots {
  private nums = new NumberSlots();
  private strs = new Map<string, number>();
  get size(): number {
    return this.nums.size + this.strs.size;
  }
  get(k: number | string): number | undefined {
    return typeof k === 'number' ? this.nums.get(k) : this.strs.get(k);
  }
  set(k: number | string, slot: number): void {
    if (typeof k === 'number') this.nums.set(k, slot);
    else this.strs.set(k, slot);
  }
  delete(k: number | string): void {
    if (typeof k === 'number') this.nums.delete(k);
    else this.strs.delete(k);
  }
}

/**
 * Streaming near-duplicate clustering of one text field. Each value is compared with the cluster
 * representatives (first members) of its block, in creation order; it joins the first one with
 * similarity >= threshold, otherwise it founds a new cluster. Memory is bounded by
 * maxBlocks x maxRepsPerBlock representatives.
 *
 * Storage is flat (few objects for the garbage collector to trace): a block is a slot of a ring of
 * maxBlocks (its position = creation order, the oldest is evicted first), a representative is a slot
 * in parallel arrays linked in creation order; free representative slots are reused.
 */
export class NearDuplicateIndex {
  /** Block key -> block slot. */
  private blocks = new BlockSlots();
  /** Per block slot: its key, first and last representative, representative count. */
  private blockKeys: (number | string)[] = [];
  private blockHead = new Int32Array(1024);
  private blockTail = new Int32Array(1024);
  private blockReps = new Int32Array(1024);
  /** Next block slot to use: ring position of the oldest block once the ring is full. */
  private head = 0;
  /** Per representative slot: normalised text, record key, raw value, cluster size, next in block (-1 ends). */
  private repText: string[] = [];
  private repKey: string[] = [];
  private repRaw: string[] = [];
  private repSize = new Int32Array(1024);
  private repNext = new Int32Array(1024);
  private freeReps: number[] = [];
  private top: ClusterSummary[] = [];
  compared = 0;
  clusters = 0;
  nearDuplicates = 0;
  comparisons = 0;
  evictedBlocks = 0;
  evictedReps = 0;
  constructor(readonly opts: NearDupOptions = DEFAULT_NEAR_DUP) {}

  /** Returns true when the value is a near duplicate of an earlier one. */
  add(value: unknown, key: string): boolean {
    const text = normaliseText(value);
    if (text === '') return false;
    this.compared++;
    const bk = blockMapKey(text);
    let b = this.blocks.get(bk);
    if (b !== undefined) {
      const th = this.opts.threshold;
      const la = text.length;
      for (let r = this.blockHead[b]; r !== -1; r = this.repNext[r]) {
        const rt = this.repText[r];
        const lb = rt.length;
        if (Math.min(la, lb) / Math.max(la, lb) < th) continue;
        this.comparisons++;
        if (rt === text || similarity(text, rt) >= th) {
          if (this.repSize[r] === 1) this.clusters++;
          this.repSize[r]++;
          this.nearDuplicates++;
          return true;
        }
      }
    } else {
      b = this.head;
      if (this.blocks.size >= this.opts.maxBlocks) {
        // The ring is full: the block in this slot is the oldest.
        for (let r = this.blockHead[b]; r !== -1; ) {
          const next = this.repNext[r];
          this.offerRep(r);
          this.freeRep(r);
          r = next;
        }
        this.blocks.delete(this.blockKeys[b]);
        this.evictedBlocks++;
      } else if (b >= this.blockHead.length) {
        const grow = (a: Int32Array) => {
          const g = new Int32Array(Math.min(a.length * 2, Math.max(this.opts.maxBlocks, 1)));
          g.set(a);
          return g;
        };
        this.blockHead = grow(this.blockHead);
        this.blockTail = grow(this.blockTail);
        this.blockReps = grow(this.blockReps);
      }
      this.head = b + 1 >= this.opts.maxBlocks ? 0 : b + 1;
      this.blockKeys[b] = bk;
      this.blockHead[b] = this.blockTail[b] = -1;
      this.blockReps[b] = 0;
      this.blocks.set(bk, b);
    }
    if (this.blockReps[b] >= this.opts.maxRepsPerBlock) {
      const oldest = this.blockHead[b];
      this.blockHead[b] = this.repNext[oldest];
      if (this.blockHead[b] === -1) this.blockTail[b] = -1;
      this.blockReps[b]--;
      this.offerRep(oldest);
      this.freeRep(oldest);
      this.evictedReps++;
    }
    const r = this.newRep(text, key, typeof value === 'string' ? value : String(value));
    if (this.blockTail[b] === -1) this.blockHead[b] = r;
    else this.repNext[this.blockTail[b]] = r;
    this.blockTail[b] = r;
    this.blockReps[b]++;
    return false;
  }

  private newRep(text: string, key: string, raw: string): number {
    let r = this.freeReps.pop();
    if (r === undefined) {
      r = this.repText.length;
      if (r >= this.repSize.length) {
        const size = new Int32Array(this.repSize.length * 2);
        size.set(this.repSize);
        this.repSize = size;
        const next = new Int32Array(this.repNext.length * 2);
        next.set(this.repNext);
        this.repNext = next;
      }
      this.repText.push(text);
      this.repKey.push(key);
      this.repRaw.push(raw);
    } else {
      this.repText[r] = text;
      this.repKey[r] = key;
      this.repRaw[r] = raw;
    }
    this.repSize[r] = 1;
    this.repNext[r] = -1;
    return r;
  }

  private freeRep(r: number) {
    this.repText[r] = this.repKey[r] = this.repRaw[r] = '';
    this.freeReps.push(r);
  }

  private offerRep(r: number) {
    const size = this.repSize[r];
    if (size < 2) return;
    if (this.top.length < 10 || size > this.top[this.top.length - 1].size) {
      this.top.push({ size, firstKey: this.repKey[r], firstValue: this.repRaw[r] });
      this.top.sort((a, b) => b.size - a.size);
      if (this.top.length > 10) this.top.pop();
    }
  }

  result(): NearDupResult {
    // Live blocks in creation order: from the ring's oldest slot on (slot 0 until the ring is full).
    const n = this.blocks.size;
    const first = n >= this.opts.maxBlocks ? this.head : 0;
    for (let k = 0; k < n; k++) {
      const b = (first + k) % this.opts.maxBlocks;
      for (let r = this.blockHead[b]; r !== -1; r = this.repNext[r]) this.offerRep(r);
    }
    return {
      threshold: this.opts.threshold,
      compared: this.compared,
      clusters: this.clusters,
      nearDuplicates: this.nearDuplicates,
      comparisons: this.comparisons,
      evictedBlocks: this.evictedBlocks,
      evictedReps: this.evictedReps,
      topClusters: this.top,
    };
  }
}
