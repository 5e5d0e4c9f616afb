import type { DatasetSchema, FieldSchema, StoredRecord } from '@govshare/contracts';
import { HashMap53, HashSet53 } from './hash-set.ts';
import { Hash53Stream, hash53, isMissing, isNormalForm, normaliseValue } from './normalise.ts';
import { DEFAULT_NEAR_DUP, NearDuplicateIndex, type ClusterSummary, type NearDupResult } from './near-duplicates.ts';
import {
  compileRule,
  DEFAULT_EXTRA_WEIGHT,
  DEFAULT_WEIGHTS,
  effectiveRules,
  ruleFields,
  type Check,
  type ConsistencySpec,
  type RuleSetBody,
  type RuleSpec,
  type Weights,
} from '../rules/rules.ts';
import { maskPartial } from '@govshare/platform';
import { maskExample } from '../rules/mask.ts';

export interface ReferenceData {
  /** rule id -> hashes of the normalised values of the referenced field */
  sets: Map<string, HashSet53>;
  /** index into ruleSet.consistency -> (hash of normalised match value -> hash of normalised value) */
  consistency: Map<number, HashMap53>;
}

export interface ScoringInput {
  schema: DatasetSchema;
  keyFields: string[];
  ruleSet: RuleSetBody;
  refs?: ReferenceData;
  /** The hub's mask key (keyed HMAC for x-mask: hash values in examples). */
  maskKey: Uint8Array;
  /** Reference time (ISO) for timeliness and for birth dates not in the future; default now. */
  asOf?: string;
}

export interface FailureExample {
  key: string;
  problem: string;
  values: Record<string, unknown>;
}

export interface RuleResult {
  id: string;
  kind: string;
  field: string;
  failed: number;
  failureRate: number;
  problems: Record<string, number>;
}

export interface QualityMetrics {
  records: number;
  completeness: {
    value: number;
    expectedFields: string[];
    fields: Record<string, { missing: number; completeness: number }>;
  };
  uniqueness: {
    value: number;
    keyFields: string[];
    keyDuplicates: number;
    duplicateRate: number;
    keyMissing: number;
    exactDuplicates: number;
    exactDuplicateRate: number;
  };
  nearDuplicates: Record<string, Omit<NearDupResult, 'topClusters'> & { rate: number; topClusters: ClusterSummary[] }>;
  accuracy: {
    value: number;
    validRecords: number;
    invalidRecords: number;
    rules: RuleResult[];
    skippedRules: string[];
  };
  consistency?: {
    value: number;
    compared: number;
    inconsistent: number;
    checks: { field: string; dataset: string; compared: number; inconsistent: number }[];
  };
  timeliness?: { value: number; stale: number; field: string; maxAgeDays: number; asOf: string };
  examples: Record<string, FailureExample[]>;
  score: { value: number; weights: Weights; dimensions: Record<string, number> };
}

export const MAX_EXAMPLES = 5;
const round = (x: number, d = 6) => Math.round(x * 10 ** d) / 10 ** d;
const ratio = (num: number, den: number) => (den === 0 ? 1 : num / den);

export function expectedFieldsOf(schema: DatasetSchema, ruleSet: RuleSetBody): string[] {
  if (ruleSet.expectedFields?.length) return ruleSet.expectedFields;
  return Object.entries(schema.properties ?? {})
    .filter(([, f]) => (f as FieldSchema)['x-expected'] !== false)
    .map(([n]) => n);
}

export function nearDupFieldsOf(schema: DatasetSchema, ruleSet: RuleSetBody): string[] {
  if (ruleSet.nearDuplicates?.enabled === false) return [];
  if (ruleSet.nearDuplicates?.fields) return ruleSet.nearDuplicates.fields;
  return Object.entries(schema.properties ?? {})
    .filter(([n, f]) => (f as FieldSchema)['x-rule'] === 'address' || /^address$|Address$/.test(n))
    .map(([n]) => n);
}

/** Score 0-100: weighted mean of the dimensions present (weights of absent extra dimensions are ignored). */
export function combineScore(dimensions: Record<string, number>, weights: Weights): number {
  let sum = 0,
    wsum = 0;
  for (const [name, value] of Object.entries(dimensions)) {
    const w = (weights as any)[name] ?? 0;
    sum += w * value;
    wsum += w;
  }
  return wsum === 0 ? 0 : round((100 * sum) / wsum, 2);
}

/**
 * All metrics of one dataset in one streaming pass over record batches. Memory: one 53-bit hash per
 * distinct key and per distinct record (HashSet53), near-duplicate blocks bounded by their options,
 * and at most MAX_EXAMPLES examples per rule. Records are never retained.
 */
export class DatasetScorer {
  readonly rules: RuleSpec[];
  /** Reference rules whose reference set could not be built (not counted). */
  readonly skippedRules: string[];
  private checks: Check[];
  private failed: number[];
  private problems: Record<string, number>[];
  private examples: FailureExample[][];
  private fields: string[];
  private props: Record<string, FieldSchema>;
  private expected: string[];
  /** Index in `fields` of each expected field (-1: not a schema field). */
  private expectedIdx: number[];
  /** Missing count of each expected field that is not one of `fields` (else it is in fieldMissing). */
  private missing: number[];
  /** Missing count of each of `fields`: completeness is reported for every field, not only expected ones. */
  private fieldMissing: Float64Array;
  private keyIdx: number[];
  /** Per record, reused: normalised value and missing flag of each of `fields`. */
  private norm: string[];
  private miss: Uint8Array;
  private exactHash = new Hash53Stream();
  private keyHash = new Hash53Stream();
  private keySet = new HashSet53(1 << 14);
  private exactSet = new HashSet53(1 << 14);
  private nearFields: string[];
  private near: NearDuplicateIndex[];
  private consistencySpecs: ConsistencySpec[];
  private n = 0;
  private invalid = 0;
  private keyDup = 0;
  private keyMissing = 0;
  private exactDup = 0;
  private consCompared = 0;
  private consInconsistent = 0;
  private consByCheck: { compared: number; inconsistent: number }[];
  private stale = 0;
  private asOfMs: number;

  constructor(private readonly input: ScoringInput) {
    const { schema, ruleSet } = input;
    this.props = (schema.properties ?? {}) as Record<string, FieldSchema>;
    this.fields = Object.keys(this.props);
    for (const k of input.keyFields) if (!this.fields.includes(k)) this.fields.push(k);
    this.expected = expectedFieldsOf(schema, ruleSet);
    this.missing = this.expected.map(() => 0);
    this.fieldMissing = new Float64Array(this.fields.length);
    this.expectedIdx = this.expected.map((f) => this.fields.indexOf(f));
    this.keyIdx = input.keyFields.map((k) => this.fields.indexOf(k));
    this.norm = this.fields.map(() => '');
    this.miss = new Uint8Array(this.fields.length);
    const fieldIndex = new Map(this.fields.map((f, i) => [f, i]));
    const all = effectiveRules(schema, ruleSet.rules);
    this.rules = all.filter((r) => r.kind !== 'reference' || input.refs?.sets.has(r.id!));
    this.skippedRules = all.filter((r) => !this.rules.includes(r)).map((r) => r.id!);
    this.asOfMs = Date.parse(input.asOf ?? new Date().toISOString());
    const today = new Date(this.asOfMs).toISOString().slice(0, 10).replaceAll('-', '');
    this.checks = this.rules.map((r) => compileRule(r, input.refs?.sets.get(r.id!), fieldIndex, today));
    this.failed = this.rules.map(() => 0);
    this.problems = this.rules.map(() => ({}));
    this.examples = this.rules.map(() => []);
    const nd = { ...DEFAULT_NEAR_DUP, ...ruleSet.nearDuplicates };
    this.nearFields = nearDupFieldsOf(schema, ruleSet);
    this.near = this.nearFields.map(
      () =>
        new NearDuplicateIndex({
          threshold: nd.threshold,
          maxBlocks: nd.maxBlocks,
          maxRepsPerBlock: nd.maxRepsPerBlock,
        }),
    );
    this.consistencySpecs = ruleSet.consistency ?? [];
    this.consByCheck = this.consistencySpecs.map(() => ({ compared: 0, inconsistent: 0 }));
  }

  get processed(): number {
    return this.n;
  }

  private maskKey(data: Record<string, unknown>, rec: StoredRecord): string {
    if (this.input.keyFields.length === 0) return maskPartial(rec.key);
    return this.input.keyFields
      .map((k) => String(maskExample(data[k] ?? '', this.props[k], this.input.maskKey)))
      .join('|');
  }

  add(batch: StoredRecord[]): void {
    const nf = this.fields.length;
    const { norm, miss, fields, fieldMissing, expected, expectedIdx, keyIdx, exactHash, keyHash } = this;
    for (let b = 0; b < batch.length; b++) {
      const rec = batch[b];
      const data = rec.data ?? {};
      this.n++;
      // Normalised values and missing flags, once per field for every metric and rule.
      for (let i = 0; i < nf; i++) {
        const v = data[fields[i]];
        if (typeof v === 'string' && isNormalForm(v)) {
          miss[i] = 0;
          norm[i] = v;
        } else {
          miss[i] = isMissing(v) ? 1 : 0;
          norm[i] = normaliseValue(v);
        }
        fieldMissing[i] += miss[i];
      }
      // Completeness of expected fields outside the schema (the others are counted just above).
      for (let i = 0; i < expected.length; i++) {
        if (expectedIdx[i] < 0 && isMissing(data[expected[i]])) this.missing[i]++;
      }
      // Key and exact duplicates: hashes of the normalised values (key fields each followed by U+0001; all fields joined by it).
      if (keyIdx.length) {
        let allMissing = true;
        keyHash.start();
        for (let k = 0; k < keyIdx.length; k++) {
          const s = norm[keyIdx[k]];
          if (s !== '') allMissing = false;
          keyHash.update(s);
          keyHash.char(1);
        }
        if (allMissing) this.keyMissing++;
        else if (!this.keySet.add(keyHash.digest())) this.keyDup++;
      }
      exactHash.start();
      for (let i = 0; i < nf; i++) {
        if (i > 0) exactHash.char(1);
        exactHash.update(norm[i]);
      }
      if (!this.exactSet.add(exactHash.digest())) this.exactDup++;
      // Near duplicates.
      for (let i = 0; i < this.near.length; i++) this.near[i].add(data[this.nearFields[i]], rec.key);
      // Accuracy.
      let ok = true;
      for (let r = 0; r < this.checks.length; r++) {
        const problem = this.checks[r](data, norm);
        if (problem === null) continue;
        ok = false;
        this.failed[r]++;
        this.problems[r][problem] = (this.problems[r][problem] ?? 0) + 1;
        if (this.examples[r].length < MAX_EXAMPLES) {
          const values: Record<string, unknown> = {};
          for (const f of ruleFields(this.rules[r]))
            values[f] = maskExample(data[f] ?? null, this.props[f], this.input.maskKey);
          this.examples[r].push({ key: this.maskKey(data, rec), problem, values });
        }
      }
      if (!ok) this.invalid++;
      // Consistency across datasets.
      if (this.consistencySpecs.length) {
        let compared = false,
          inconsistent = false;
        for (let c = 0; c < this.consistencySpecs.length; c++) {
          const spec = this.consistencySpecs[c];
          const map = this.input.refs?.consistency.get(c);
          if (!map || isMissing(data[spec.matchField]) || isMissing(data[spec.field])) continue;
          const other = map.get(hash53(normaliseValue(data[spec.matchField])));
          if (other === undefined) continue;
          compared = true;
          this.consByCheck[c].compared++;
          if (other !== hash53(normaliseValue(data[spec.field]))) {
            inconsistent = true;
            this.consByCheck[c].inconsistent++;
          }
        }
        if (compared) this.consCompared++;
        if (inconsistent) this.consInconsistent++;
      }
      // Timeliness.
      const tl = this.input.ruleSet.timeliness;
      if (tl) {
        const f = tl.field ?? 'ingestedAt';
        const raw = f === 'ingestedAt' ? rec.ingestedAt : data[f];
        const t = typeof raw === 'string' ? Date.parse(raw) : NaN;
        if (!Number.isFinite(t) || this.asOfMs - t > tl.maxAgeDays * 86_400_000) this.stale++;
      }
    }
  }

  finish(): QualityMetrics {
    const N = this.n;
    const { ruleSet } = this.input;
    // Every field, expected or not; the mean is over the expected ones.
    const fields: QualityMetrics['completeness']['fields'] = {};
    const report = (f: string, missing: number) =>
      (fields[f] = { missing, completeness: round(1 - ratio(missing, N)) });
    this.fields.forEach((f, j) => report(f, this.fieldMissing[j]));
    const expectedMissing = this.expected.map((f, i) =>
      this.expectedIdx[i] >= 0 ? this.fieldMissing[this.expectedIdx[i]] : this.missing[i],
    );
    this.expected.forEach((f, i) => report(f, expectedMissing[i]));
    const completeness =
      this.expected.length === 0
        ? 1
        : expectedMissing.reduce((s, m) => s + (1 - ratio(m, N)), 0) / this.expected.length;
    const duplicateRate = N === 0 ? 0 : this.keyDup / N;
    const accuracy = N === 0 ? 1 : (N - this.invalid) / N;
    const nearDuplicates: QualityMetrics['nearDuplicates'] = {};
    this.nearFields.forEach((f, i) => {
      const r = this.near[i].result();
      nearDuplicates[f] = {
        ...r,
        rate: round(N === 0 ? 0 : r.nearDuplicates / N),
        topClusters: r.topClusters.map((c) => ({
          ...c,
          firstKey:
            this.input.keyFields.length === 1
              ? String(maskExample(c.firstKey, this.props[this.input.keyFields[0]], this.input.maskKey))
              : maskPartial(c.firstKey),
          firstValue: String(maskExample(c.firstValue, this.props[f], this.input.maskKey)),
        })),
      };
    });
    const examples: Record<string, FailureExample[]> = {};
    const rules: RuleResult[] = this.rules.map((r, i) => {
      if (this.examples[i].length) examples[r.id!] = this.examples[i];
      return {
        id: r.id!,
        kind: r.kind,
        field: r.field,
        failed: this.failed[i],
        failureRate: round(N === 0 ? 0 : this.failed[i] / N),
        problems: this.problems[i],
      };
    });
    const dimensions: Record<string, number> = {
      completeness: round(completeness),
      uniqueness: round(1 - duplicateRate),
      accuracy: round(accuracy),
    };
    const weights: Weights = { ...DEFAULT_WEIGHTS, ...ruleSet.weights } as Weights;
    const out: QualityMetrics = {
      records: N,
      completeness: { value: round(completeness), expectedFields: this.expected, fields },
      uniqueness: {
        value: round(1 - duplicateRate),
        keyFields: this.input.keyFields,
        keyDuplicates: this.keyDup,
        duplicateRate: round(duplicateRate),
        keyMissing: this.keyMissing,
        exactDuplicates: this.exactDup,
        exactDuplicateRate: round(N === 0 ? 0 : this.exactDup / N),
      },
      nearDuplicates,
      accuracy: {
        value: round(accuracy),
        validRecords: N - this.invalid,
        invalidRecords: this.invalid,
        rules,
        skippedRules: this.skippedRules,
      },
      examples,
      score: { value: 0, weights, dimensions },
    };
    if (this.consistencySpecs.length) {
      const v = 1 - ratio(this.consInconsistent, this.consCompared);
      out.consistency = {
        value: round(v),
        compared: this.consCompared,
        inconsistent: this.consInconsistent,
        checks: this.consistencySpecs.map((s, c) => ({ field: s.field, dataset: s.dataset, ...this.consByCheck[c] })),
      };
      dimensions.consistency = round(v);
      weights.consistency ??= DEFAULT_EXTRA_WEIGHT;
    }
    const tl = ruleSet.timeliness;
    if (tl) {
      const v = N === 0 ? 1 : 1 - this.stale / N;
      out.timeliness = {
        value: round(v),
        stale: this.stale,
        field: tl.field ?? 'ingestedAt',
        maxAgeDays: tl.maxAgeDays,
        asOf: new Date(this.asOfMs).toISOString(),
      };
      dimensions.timeliness = round(v);
      weights.timeliness ??= DEFAULT_EXTRA_WEIGHT;
    }
    out.score.value = combineScore(dimensions, weights);
    return out;
  }
}

/** Scores an async iterable of record batches. `onProgress` is called after each batch. */
export async function scoreBatches(
  input: ScoringInput,
  batches: AsyncIterable<StoredRecord[]> | Iterable<StoredRecord[]>,
  onProgress?: (processed: number) => void | Promise<void>,
): Promise<QualityMetrics> {
  const scorer = new DatasetScorer(input);
  for await (const batch of batches as AsyncIterable<StoredRecord[]>) {
    scorer.add(batch);
    await onProgress?.(scorer.processed);
  }
  return scorer.finish();
}
