// Seeded generators of department data with known, injected defects (tests and the benchmark).
import type { Dataset, DatasetSchema, StoredRecord } from '@govshare/contracts';
import { residentIdCheckChar, usccCheckChar, USCC_ALPHABET } from '../rules/check-chars.ts';
import nzhcn from 'nzh/cn';

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const residentSchema: DatasetSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  properties: {
    idNumber: {
      type: 'string',
      'x-key': true,
      'x-sensitivity': 'sensitive',
      'x-mask': 'partial',
      'x-rule': 'cn-resident-id',
    },
    name: { type: 'string', 'x-sensitivity': 'personal', 'x-mask': 'partial' },
    gender: { type: 'string', enum: ['男', '女'], 'x-sensitivity': 'personal' },
    birthDate: { type: 'string', format: 'date', 'x-sensitivity': 'personal' },
    address: { type: 'string', 'x-sensitivity': 'personal', 'x-mask': 'partial', 'x-rule': 'address' },
    mobile: { type: ['string', 'null'], 'x-sensitivity': 'personal', 'x-mask': 'partial', 'x-rule': 'cn-mobile' },
  },
  required: ['idNumber', 'name'],
};

export function residentDataset(id = 'resident-registry', ownerDept = 'PSB', recordCount = 0): Dataset {
  return {
    id,
    title: 'Resident registry',
    description: '',
    ownerDept,
    tier: 'RESTRICTED',
    keyFields: ['idNumber'],
    version: 1,
    schema: residentSchema,
    recordCount,
    updatedAt: new Date(0).toISOString(),
  };
}

export interface ResidentRates {
  missingName: number;
  missingMobile: number;
  badCheck: number;
  crossGender: number;
  crossBirth: number;
  keyDuplicate: number;
  exactDuplicate: number;
  addressVariant: number;
}
export const DEFAULT_RATES: ResidentRates = {
  missingName: 0.02,
  missingMobile: 0.05,
  badCheck: 0.03,
  crossGender: 0.01,
  crossBirth: 0.01,
  keyDuplicate: 0.01,
  exactDuplicate: 0.005,
  addressVariant: 0.15,
};

export interface Truth {
  missingName: boolean;
  missingMobile: boolean;
  badCheck: boolean;
  crossMismatch: boolean;
  keyDuplicate: boolean;
  exactDuplicate: boolean;
  addressCopy: boolean;
}

const REGIONS = ['110105', '310104', '440305', '320102', '510107', '420106'];
const DISTRICTS = ['北京市朝阳区', '上海市徐汇区', '深圳市南山区', '南京市玄武区', '成都市武侯区', '武汉市武昌区'];
const ROADS = ['建国路', '中山路', '人民路', '解放大道', '长江路', '和平街', '光明巷', '新华路'];
const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周'];
const GIVEN = ['伟', '芳', '娜', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '娟', '涛'];
const BLANKS: unknown[] = ['', '   ', '\u3000', '\u3000 \u3000', null, undefined];
const FULLWIDTH = (s: string) => s.replace(/[0-9]/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0));

/**
 * Generates resident-register records with injected defects, batch by batch, holding only a ring
 * of recent records to copy duplicates from. `onTruth` receives what was injected in each record.
 */
export function* residentBatches(
  n: number,
  seed = 1,
  rates: ResidentRates = DEFAULT_RATES,
  batchSize = 1000,
  onTruth?: (t: Truth) => void,
  track = n <= 300_000,
): Generator<StoredRecord[]> {
  const rnd = mulberry32(seed);
  const pick = <T>(a: T[]) => a[Math.floor(rnd() * a.length)];
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const ring: Record<string, unknown>[] = [];
  const usedIds = new Set<string>();
  const usedSig = new Set<string>();
  let batch: StoredRecord[] = [];
  const ingestedAt = '2026-11-01T00:00:00.000Z';
  // `track`: fresh IDs and addresses are kept unique (exact tests); without it rare chance collisions are accepted.
  for (let i = 0; i < n; i++) {
    const t: Truth = {
      missingName: false,
      missingMobile: false,
      badCheck: false,
      crossMismatch: false,
      keyDuplicate: false,
      exactDuplicate: false,
      addressCopy: false,
    };
    let data: Record<string, unknown>;
    const r = rnd();
    if (ring.length > 0 && r < rates.exactDuplicate) {
      // Same record again, written with different width/case/spacing: equal after normalisation.
      const src = pick(ring);
      data = {
        ...src,
        name: typeof src.name === 'string' && src.name.trim() ? ` ${src.name}\u3000` : src.name,
        address: typeof src.address === 'string' ? FULLWIDTH(src.address as string) : src.address,
      };
      t.exactDuplicate = t.keyDuplicate = t.addressCopy = true;
      Object.assign(t, {
        missingName: BLANKS.includes(src.name),
        missingMobile: BLANKS.includes(src.mobile),
        badCheck: (src as any).__bad,
        crossMismatch: (src as any).__cross,
      });
      Object.defineProperty(data, '__bad', { value: t.badCheck, enumerable: false });
      Object.defineProperty(data, '__cross', { value: t.crossMismatch, enumerable: false });
    } else {
      let id: string;
      let region: number, y: number, m: number, d: number, sexMale: boolean;
      do {
        region = int(0, REGIONS.length - 1);
        y = int(1940, 2005);
        m = int(1, 12);
        d = int(1, 28);
        sexMale = rnd() < 0.5;
        const seq = String(int(0, 99)).padStart(2, '0') + String(int(0, 4) * 2 + (sexMale ? 1 : 0));
        const body = `${REGIONS[region]}${y}${String(m).padStart(2, '0')}${String(d).padStart(2, '0')}${seq}`;
        id = body + residentIdCheckChar(body);
      } while (track && usedIds.has(id));
      if (track) usedIds.add(id);
      let keyDup = false;
      if (ring.length > 0 && rnd() < rates.keyDuplicate) {
        id = pick(ring).idNumber as string;
        keyDup = true;
        t.keyDuplicate = true;
      } else if (rnd() < rates.badCheck) {
        const good = id[17];
        const alt = '0123456789X'.replace(good, '');
        id = id.slice(0, 17) + alt[int(0, alt.length - 1)];
        t.badCheck = true;
      }
      let gender = sexMale ? '男' : '女';
      let birthDate = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
      if (!keyDup && !t.badCheck) {
        if (rnd() < rates.crossGender) {
          gender = sexMale ? '女' : '男';
          t.crossMismatch = true;
        } else if (rnd() < rates.crossBirth) {
          birthDate = `${y}-${String(m).padStart(2, '0')}-${String(d + 1).padStart(2, '0')}`;
          t.crossMismatch = true;
        }
      } else if (keyDup) {
        // Values taken from the copied record's ID so the duplicate carries no cross-field defect of its own.
        const src = id;
        gender = (src.charCodeAt(16) - 48) % 2 === 1 ? '男' : '女';
        birthDate = `${src.slice(6, 10)}-${src.slice(10, 12)}-${src.slice(12, 14)}`;
        t.badCheck = residentIdCheckChar(src.slice(0, 17)) !== src[17];
      }
      const name =
        rnd() < rates.missingName ? pick(BLANKS) : pick(SURNAMES) + pick(GIVEN) + (rnd() < 0.5 ? pick(GIVEN) : '');
      t.missingName = BLANKS.includes(name);
      let address: string;
      if (ring.length > 0 && rnd() < rates.addressVariant) {
        const src = pick(ring).address as string;
        const v = int(0, 4);
        address =
          v === 0
            ? src.replace(/号/g, '號').replace(/区/g, '區')
            : v === 1
              ? FULLWIDTH(src)
              : v === 2
                ? src.replace(/(\d+)号/, '$1 号，')
                : v === 3
                  ? src.replace(/路|街|巷|大道/, (s) => (s === '路' ? '道' : '路'))
                  : src.replace(/(\d+)(号|单元)/g, (_, n: string, unit: string) => nzhcn.encodeS(Number(n)) + unit); // 88号 -> 八十八号
        t.addressCopy = true;
      } else {
        let sig: string;
        do {
          const parts = [int(1, 999), int(1, 30), int(1, 6), int(1, 28) * 100 + int(1, 4)];
          sig = parts.join('-');
          address = `${DISTRICTS[region]}${pick(ROADS)}${parts[0]}号${parts[1]}栋${parts[2]}单元${parts[3]}室`;
        } while (track && usedSig.has(sig));
        if (track) usedSig.add(sig);
      }
      const mobile =
        rnd() < rates.missingMobile
          ? pick(BLANKS)
          : '1' + String(int(3, 9)) + String(int(0, 999_999_999)).padStart(9, '0');
      t.missingMobile = BLANKS.includes(mobile);
      data = { idNumber: id, name, gender, birthDate, address, mobile };
      if (data.name === undefined) delete data.name;
      if (data.mobile === undefined) delete data.mobile;
      Object.defineProperty(data, '__bad', { value: t.badCheck, enumerable: false });
      Object.defineProperty(data, '__cross', { value: t.crossMismatch, enumerable: false });
    }
    if (ring.length < 1000) ring.push(data);
    else ring[int(0, 999)] = data;
    onTruth?.(t);
    batch.push({ key: String(data.idNumber), version: 1, ingestedAt, data });
    if (batch.length >= batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

export const legalPersonSchema: DatasetSchema = {
  type: 'object',
  properties: {
    creditCode: { type: 'string', 'x-key': true, 'x-rule': 'cn-uscc', 'x-sensitivity': 'public' },
    name: { type: 'string', 'x-sensitivity': 'public' },
    legalRepId: { type: 'string', 'x-rule': 'cn-resident-id', 'x-sensitivity': 'sensitive', 'x-mask': 'partial' },
  },
};

export function randomUscc(rnd: () => number): string {
  const body =
    '91' +
    String(Math.floor(rnd() * 900000) + 100000) +
    Array.from({ length: 9 }, () => USCC_ALPHABET[Math.floor(rnd() * 31)]).join('');
  return body + usccCheckChar(body);
}
