// Compact open-addressing set / map of 53-bit hashes (never 0) on Float64Arrays: ~16-32 bytes per entry,
// so a million keys cost ~16-32 MB instead of the records themselves.

export class HashSet53 {
  private table: Float64Array;
  private mask: number;
  size = 0;
  constructor(capacity = 1024) {
    let n = 1024;
    while (n < capacity * 2) n *= 2;
    this.table = new Float64Array(n);
    this.mask = n - 1;
  }
  private slot(h: number): number {
    return (h ^ (h / 4294967296)) & this.mask;
  }
  /** Adds h; returns false when it was already present. */
  add(h: number): boolean {
    let i = this.slot(h);
    const t = this.table;
    for (;;) {
      const v = t[i];
      if (v === 0) break;
      if (v === h) return false;
      i = (i + 1) & this.mask;
    }
    t[i] = h;
    if (++this.size * 2 > t.length) this.grow();
    return true;
  }
  has(h: number): boolean {
    let i = this.slot(h);
    const t = this.table;
    for (;;) {
      const v = t[i];
      if (v === 0) return false;
      if (v === h) return true;
      i = (i + 1) & this.mask;
    }
  }
  private grow() {
    const old = this.table;
    this.table = new Float64Array(old.length * 2);
    this.mask = this.table.length - 1;
    this.size = 0;
    for (const v of old) if (v !== 0) this.add(v);
  }
  get bytes(): number {
    return this.table.byteLength;
  }
  /** Plain data (structured-cloneable, e.g. to a worker thread); `HashSet53.from` restores it. */
  state(): { table: Float64Array; size: number } {
    return { table: this.table, size: this.size };
  }
  static from(state: { table: Float64Array; size: number }): HashSet53 {
    const s = new HashSet53();
    s.table = state.table;
    s.mask = state.table.length - 1;
    s.size = state.size;
    return s;
  }
}

export class HashMap53 {
  private keys: Float64Array;
  private vals: Float64Array;
  private mask: number;
  size = 0;
  constructor(capacity = 1024) {
    let n = 1024;
    while (n < capacity * 2) n *= 2;
    this.keys = new Float64Array(n);
    this.vals = new Float64Array(n);
    this.mask = n - 1;
  }
  private slot(h: number): number {
    return (h ^ (h / 4294967296)) & this.mask;
  }
  /** Sets k -> v unless k is present (first value wins). */
  setIfAbsent(k: number, v: number): void {
    let i = this.slot(k);
    for (;;) {
      const cur = this.keys[i];
      if (cur === 0) break;
      if (cur === k) return;
      i = (i + 1) & this.mask;
    }
    this.keys[i] = k;
    this.vals[i] = v;
    if (++this.size * 2 > this.keys.length) this.grow();
  }
  get(k: number): number | undefined {
    let i = this.slot(k);
    for (;;) {
      const cur = this.keys[i];
      if (cur === 0) return undefined;
      if (cur === k) return this.vals[i];
      i = (i + 1) & this.mask;
    }
  }
  state(): { keys: Float64Array; vals: Float64Array; size: number } {
    return { keys: this.keys, vals: this.vals, size: this.size };
  }
  static from(state: { keys: Float64Array; vals: Float64Array; size: number }): HashMap53 {
    const m = new HashMap53();
    m.keys = state.keys;
    m.vals = state.vals;
    m.mask = state.keys.length - 1;
    m.size = state.size;
    return m;
  }
  private grow() {
    const ok = this.keys,
      ov = this.vals;
    this.keys = new Float64Array(ok.length * 2);
    this.vals = new Float64Array(ok.length * 2);
    this.mask = this.keys.length - 1;
    this.size = 0;
    for (let i = 0; i < ok.length; i++) if (ok[i] !== 0) this.setIfAbsent(ok[i], ov[i]);
  }
}
