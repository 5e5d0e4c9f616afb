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

interface Rep {
  text: string;
  key: string;
  raw: string;
  size: number;
}

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

export function similarity(a: string, b: string): number {
  const max = Math.max(a.length, b.length);
  return max === 0 ? 1 : 1 - distance(a, b) / max;
}

/**
 * Streaming near-duplicate clustering of one text field. Each value is compared with the cluster
 * representatives (first members) of its block, in creation order; it joins the first one with
 * similarity >= threshold, otherwise it founds a new cluster. Memory is bounded by
 * maxBlocks x maxRepsPerBlock representatives.
 */
export class NearDuplicateIndex {
  private blocks = new Map<string, Rep[]>();
  /** Block keys in creation order (ring of maxBlocks): the oldest is evicted first. */
  private order: string[] = [];
  private head = 0;
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
    const bk = blockKey(text);
    let reps = this.blocks.get(bk);
    if (reps) {
      const th = this.opts.threshold;
      const la = text.length;
      for (const rep of reps) {
        const lb = rep.text.length;
        if (Math.min(la, lb) / Math.max(la, lb) < th) continue;
        this.comparisons++;
        if (rep.text === text || similarity(text, rep.text) >= th) {
          if (rep.size === 1) this.clusters++;
          rep.size++;
          this.nearDuplicates++;
          return true;
        }
      }
    } else {
      if (this.blocks.size >= this.opts.maxBlocks) {
        // Map iteration from the front is slow after many deletions: a ring of keys says which is oldest.
        const oldest = this.order[this.head];
        for (const r of this.blocks.get(oldest)!) this.offer(r);
        this.blocks.delete(oldest);
        this.evictedBlocks++;
        this.order[this.head] = bk;
        this.head = (this.head + 1) % this.opts.maxBlocks;
      } else this.order.push(bk);
      reps = [];
      this.blocks.set(bk, reps);
    }
    if (reps.length >= this.opts.maxRepsPerBlock) {
      this.offer(reps.shift()!);
      this.evictedReps++;
    }
    reps.push({ text, key, raw: typeof value === 'string' ? value : String(value), size: 1 });
    return false;
  }

  private offer(r: Rep) {
    if (r.size < 2) return;
    if (this.top.length < 10 || r.size > this.top[this.top.length - 1].size) {
      this.top.push({ size: r.size, firstKey: r.key, firstValue: r.raw });
      this.top.sort((a, b) => b.size - a.size);
      if (this.top.length > 10) this.top.pop();
    }
  }

  result(): NearDupResult {
    for (const reps of this.blocks.values()) for (const r of reps) this.offer(r);
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
