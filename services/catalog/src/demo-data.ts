// Deterministic, realistic and deliberately DIRTY demo data for five departments of one city
// (Hangzhou). Well-shaped (it passes each dataset's data dictionary) but with the kinds of defects
// real registries carry: bad check characters, duplicated keys, addresses written differently,
// blank mobiles, genders and birth dates that disagree with the ID number.
import { DEMO_ORIGIN, enqueueGrantFacts, grantFactEvent } from './grant-fact-outbox.ts';
import { toGrant } from './grants.ts';
import { count } from 'drizzle-orm';
import type { DatasetSchema, Tier } from '@govshare/contracts';
import { compileDatasetSchema, recordKey } from './data-dictionary.ts';
import type { CatalogDb } from './datasets.ts';
import { datasets, datasetVersions, departments, grants, records } from './schema.ts';
import { seedAccessHistory } from './demo-access-history.ts';
import { grantCacheFor } from './read-cache.ts';
import { syncRecordIndexesAfterWrite } from './record-indexes.ts';
import type { WorkingCalendar } from './deadlines.ts';

// ---------------------------------------------------------------------------------------------
// Seeded PRNG

export interface Rng {
  next(): number;
  int(min: number, max: number): number;
  pick<T>(xs: readonly T[]): T;
  chance(p: number): boolean;
}

/** mulberry32: small, fast, deterministic. */
export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (xs) => xs[Math.floor(next() * xs.length)],
    chance: (p) => next() < p,
  };
}

// ---------------------------------------------------------------------------------------------
// GB 11643-1999 resident ID: 6-digit area, 8-digit birth date, 3-digit sequence (odd = male), check.

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

/** Check character of the first 17 digits of a resident ID. */
export function residentIdCheckChar(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new Error('resident ID body must be 17 digits');
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * ID_WEIGHTS[i];
  return ID_CHECK[sum % 11];
}

export function isValidResidentId(id: string): boolean {
  return /^\d{17}[\dX]$/.test(id) && residentIdCheckChar(id.slice(0, 17)) === id[17];
}

export function makeResidentId(area: string, birth: string /* YYYY-MM-DD */, seq: number, male: boolean): string {
  let s = seq % 1000;
  if ((s % 2 === 1) !== male) s = (s + 1) % 1000;
  const body = area + birth.replaceAll('-', '') + String(s).padStart(3, '0');
  return body + residentIdCheckChar(body);
}

// ---------------------------------------------------------------------------------------------
// GB 32100-2015 unified social credit code: registering authority, entity type, 6-digit area,
// 9-character organization code (GB 11714, with its own check), check character.

const USCC_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** Check character of the first 17 characters of a unified social credit code. */
export function creditCodeCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = USCC_CHARS.indexOf(first17[i]);
    if (v < 0) throw new Error(`invalid credit code character ${first17[i]}`);
    sum += v * USCC_WEIGHTS[i];
  }
  return USCC_CHARS[(31 - (sum % 31)) % 31];
}

export function isValidCreditCode(code: string): boolean {
  return (
    code.length === 18 &&
    [...code].every((c) => USCC_CHARS.includes(c)) &&
    creditCodeCheckChar(code.slice(0, 17)) === code[17]
  );
}

const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];
function orgCodeCheckChar(first8: string): string {
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += parseInt(first8[i], 36) * ORG_WEIGHTS[i];
  const c = 11 - (sum % 11);
  return c === 10 ? 'X' : c === 11 ? '0' : String(c);
}

export function makeCreditCode(rng: Rng, area: string): string {
  let org = '';
  for (let i = 0; i < 8; i++) org += rng.pick([...USCC_CHARS.slice(0, rng.chance(0.8) ? 10 : 31)]);
  const body = '91' + area + org + orgCodeCheckChar(org);
  return body + creditCodeCheckChar(body);
}

/** Replaces the last character with a different valid-looking one (a transcription error). */
function corruptLast(code: string, alphabet: string, rng: Rng): string {
  let c = code[code.length - 1];
  while (c === code[code.length - 1]) c = rng.pick([...alphabet]);
  return code.slice(0, -1) + c;
}

// ---------------------------------------------------------------------------------------------
// Vocabulary

const DISTRICTS = [
  { code: '330102', name: '上城区', streets: ['解放路', '延安路', '庆春路', '建国南路', '望江路', '清泰街'] },
  { code: '330105', name: '拱墅区', streets: ['湖墅南路', '莫干山路', '上塘路', '大关路', '丽水路'] },
  { code: '330106', name: '西湖区', streets: ['文三路', '文二路', '教工路', '学院路', '天目山路', '古墩路'] },
  { code: '330108', name: '滨江区', streets: ['江南大道', '滨盛路', '长河路', '江虹路', '网商路'] },
  { code: '330109', name: '萧山区', streets: ['市心中路', '人民路', '金城路', '通惠路', '育才路'] },
  { code: '330110', name: '余杭区', streets: ['文一西路', '五常大道', '良睦路', '临平大道', '迎宾路'] },
] as const;
const COMMUNITIES = [
  '和园',
  '锦绣苑',
  '翠苑',
  '嘉绿苑',
  '春江花月',
  '金色家园',
  '阳光城',
  '紫金港',
  '桂花城',
  '青枫墅园',
];
const SURNAMES = [
  ...'王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈',
];
const GIVEN = [
  ...'伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红文辉玲丹萍鑫宇浩然子涵雨欣梓轩一诺思远嘉怡佳琪',
];
const ETHNICITIES = ['汉族', '回族', '满族', '壮族', '蒙古族', '畲族', '土家族', '苗族'] as const;
const COMPANY_WORDS = [
  '恒达',
  '信诚',
  '华瑞',
  '天成',
  '中誉',
  '万通',
  '盛世',
  '钱江',
  '西溪',
  '之江',
  '宏远',
  '君安',
  '云栖',
  '博雅',
  '九和',
];
const COMPANY_TRADES = [
  '科技',
  '网络技术',
  '贸易',
  '餐饮管理',
  '建设工程',
  '物业服务',
  '医药',
  '电子商务',
  '文化传媒',
  '物流',
];
const COMPANY_STATUS = ['存续', '在业', '吊销', '注销', '迁出'] as const;
const LICENCE_TYPES = [
  '食品经营许可证',
  '药品经营许可证',
  '医疗器械经营许可证',
  '道路运输经营许可证',
  '排污许可证',
] as const;
const INSURANCE_TYPES = ['养老保险', '医疗保险', '失业保险', '工伤保险', '生育保险'] as const;
const INSURANCE_STATUS = ['参保缴费', '暂停缴费', '终止参保'] as const;
const SUBSIDY_TYPES = ['最低生活保障', '特困人员救助供养', '临时救助', '残疾人两项补贴', '高龄津贴'] as const;
const HOSPITALS = [
  '浙江大学医学院附属第一医院',
  '浙江省人民医院',
  '杭州市第一人民医院',
  '杭州市中医院',
  '西湖区社区卫生服务中心',
  '滨江区人民医院',
];
const DIAGNOSES = ['J06.9', 'I10', 'E11.9', 'K29.7', 'M54.5', 'J18.9', 'N39.0', 'I25.1', 'C34.9', 'F32.9', 'Z00.0'];

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
function randomDate(rng: Rng, fromYear: number, toYear: number): string {
  const y = rng.int(fromYear, toYear);
  const m = rng.int(1, 12);
  const d = rng.int(1, new Date(Date.UTC(y, m, 0)).getUTCDate());
  return `${y}-${pad(m)}-${pad(d)}`;
}
function shiftDate(date: string, days: number): string {
  const t = new Date(`${date}T00:00:00Z`).getTime() + days * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}
const chineseName = (rng: Rng) => rng.pick(SURNAMES) + rng.pick(GIVEN) + (rng.chance(0.7) ? rng.pick(GIVEN) : '');

function address(rng: Rng, district: (typeof DISTRICTS)[number]): string {
  const base = `浙江省杭州市${district.name}${rng.pick(district.streets)}${rng.int(1, 899)}号`;
  return rng.chance(0.6)
    ? `${base}${rng.pick(COMMUNITIES)}${rng.int(1, 30)}幢${rng.int(1, 4)}单元${rng.int(1, 28)}${pad(rng.int(1, 4))}室`
    : base;
}

const FULL_WIDTH_DIGITS = '０１２３４５６７８９';
/** The same address as another clerk would write it: full-width digits, 號, stray spaces, 路口. */
export function rewriteAddress(rng: Rng, addr: string): string {
  let out = addr;
  for (let tries = 0; out === addr && tries < 5; tries++) {
    if (rng.chance(0.5)) out = out.replace(/\d/g, (d) => FULL_WIDTH_DIGITS[Number(d)]);
    if (rng.chance(0.4)) out = out.replace('号', '號');
    if (rng.chance(0.4)) out = out.replace(/(市|区)/, (m) => m + rng.pick([' ', '\u3000', '  ']));
    if (rng.chance(0.3)) out = out.replace(/路(?!口)/, '路口');
    if (rng.chance(0.3)) out = ` ${out} `;
  }
  return out === addr ? addr.replace(/\d/g, (d) => FULL_WIDTH_DIGITS[Number(d)]) + '\u3000' : out;
}

// ---------------------------------------------------------------------------------------------
// Departments, datasets, schemas

export const DEMO_DEPARTMENTS = [
  { code: 'PSB', nameZh: '公安局', nameEn: 'Public Security Bureau' },
  { code: 'SAMR', nameZh: '市场监督管理局', nameEn: 'Market Regulation' },
  { code: 'HRSS', nameZh: '人力资源和社会保障局', nameEn: 'Human Resources and Social Security' },
  { code: 'MCA', nameZh: '民政局', nameEn: 'Civil Affairs' },
  { code: 'NHC', nameZh: '卫生健康委员会', nameEn: 'Health Commission' },
] as const;

export const DEMO_DATASETS = [
  { id: 'resident-registry', ownerDept: 'PSB', tier: 'INTERNAL', rows: 5000 },
  { id: 'legal-persons', ownerDept: 'SAMR', tier: 'PUBLIC', rows: 2000 },
  { id: 'business-licences', ownerDept: 'SAMR', tier: 'INTERNAL', rows: 800 },
  { id: 'social-insurance', ownerDept: 'HRSS', tier: 'RESTRICTED', rows: 1500 },
  { id: 'subsidies', ownerDept: 'MCA', tier: 'RESTRICTED', rows: 1000 },
  { id: 'medical-insurance', ownerDept: 'NHC', tier: 'SECRET', rows: 1000 },
] as const satisfies readonly { id: string; ownerDept: string; tier: Tier; rows: number }[];

export type DemoDatasetId = (typeof DEMO_DATASETS)[number]['id'];

const ID_NUMBER = {
  type: 'string',
  pattern: '^[0-9]{17}[0-9X]$',
  title: '公民身份号码 / Resident ID number',
  'x-subject': true,
};
const DATE = { type: 'string', format: 'date' };
const schemaOf = (properties: Record<string, Record<string, unknown>>, required: string[]): DatasetSchema => ({
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  properties: properties as DatasetSchema['properties'],
  required,
  additionalProperties: false,
});

export const DEMO_SCHEMAS: Record<DemoDatasetId, { title: string; description: string; schema: DatasetSchema }> = {
  'resident-registry': {
    title: '常住人口登记 / Resident registry',
    description: '公安局户籍人口基础信息 / Registered residents of the city',
    schema: schemaOf(
      {
        idNumber: {
          ...ID_NUMBER,
          'x-key': true,
          'x-sensitivity': 'sensitive',
          'x-mask': 'partial',
          'x-rule': 'gb11643-check',
        },
        name: { type: 'string', title: '姓名 / Name', maxLength: 50, 'x-sensitivity': 'personal', 'x-mask': 'partial' },
        gender: {
          type: 'string',
          title: '性别 / Gender',
          enum: ['男', '女'],
          'x-dimension': true,
          'x-rule': { consistentWith: 'idNumber', digit: 17 },
        },
        birthDate: { ...DATE, title: '出生日期 / Birth date', 'x-rule': { consistentWith: 'idNumber' } },
        address: { type: 'string', title: '住址 / Address', 'x-sensitivity': 'personal', 'x-mask': 'partial' },
        mobile: {
          type: ['string', 'null'],
          title: '手机号码 / Mobile',
          'x-sensitivity': 'personal',
          'x-mask': 'partial',
          'x-expected': true,
        },
        ethnicity: {
          type: 'string',
          title: '民族 / Ethnicity',
          enum: [...ETHNICITIES],
          'x-dimension': true,
          'x-index': true,
        },
        registeredOn: { ...DATE, title: '登记日期 / Registered on', 'x-index': true },
      },
      ['idNumber', 'name', 'gender', 'birthDate', 'address', 'ethnicity', 'registeredOn'],
    ),
  },
  'legal-persons': {
    title: '法人基础信息 / Legal persons',
    description: '市场主体登记信息 / Registered companies and their legal representatives',
    schema: schemaOf(
      {
        creditCode: {
          type: 'string',
          title: '统一社会信用代码 / Unified social credit code',
          pattern: '^[0-9A-HJ-NPQRTUWXY]{18}$',
          'x-key': true,
          'x-subject': true,
          'x-rule': 'gb32100-check',
        },
        companyName: { type: 'string', title: '企业名称 / Company name', maxLength: 200 },
        legalRepresentative: {
          type: 'string',
          title: '法定代表人 / Legal representative',
          'x-sensitivity': 'personal',
          'x-mask': 'partial',
        },
        registeredCapital: { type: 'number', title: '注册资本（元）/ Registered capital (CNY)', minimum: 0 },
        establishedOn: { ...DATE, title: '成立日期 / Established on', 'x-index': true },
        status: {
          type: 'string',
          title: '登记状态 / Status',
          enum: [...COMPANY_STATUS],
          'x-dimension': true,
          'x-index': true,
        },
        address: { type: 'string', title: '住所 / Registered address' },
      },
      ['creditCode', 'companyName', 'legalRepresentative', 'establishedOn', 'status'],
    ),
  },
  'business-licences': {
    title: '经营许可证 / Business licences',
    description: '行政许可证照信息 / Licences issued to companies',
    schema: schemaOf(
      {
        licenceNo: { type: 'string', title: '许可证编号 / Licence number', 'x-key': true },
        creditCode: {
          type: 'string',
          title: '统一社会信用代码 / Credit code of the holder',
          'x-subject': true,
          'x-rule': { references: 'legal-persons.creditCode' },
          'x-index': true,
        },
        licenceType: {
          type: 'string',
          title: '许可类型 / Licence type',
          enum: [...LICENCE_TYPES],
          'x-dimension': true,
          'x-index': true,
        },
        issuedOn: { ...DATE, title: '发证日期 / Issued on' },
        expiresOn: { ...DATE, title: '有效期至 / Expires on', 'x-index': true },
      },
      ['licenceNo', 'creditCode', 'licenceType', 'issuedOn', 'expiresOn'],
    ),
  },
  'social-insurance': {
    title: '社会保险参保信息 / Social insurance enrolment',
    description: '人社局参保人员及缴费基数 / Insured persons and contribution bases',
    schema: schemaOf(
      {
        // A record is a person's enrolment in one insurance type: the key is both.
        idNumber: { ...ID_NUMBER, 'x-key': true, 'x-sensitivity': 'sensitive', 'x-mask': 'hash', 'x-index': true },
        name: { type: 'string', title: '姓名 / Name', 'x-sensitivity': 'personal', 'x-mask': 'partial' },
        employerCreditCode: { type: ['string', 'null'], title: '单位信用代码 / Employer credit code' },
        insuranceType: {
          type: 'string',
          title: '险种 / Insurance type',
          enum: [...INSURANCE_TYPES],
          'x-key': true,
          'x-dimension': true,
        },
        monthlyBase: {
          type: 'number',
          title: '月缴费基数 / Monthly contribution base',
          minimum: 0,
          'x-sensitivity': 'sensitive',
          'x-mask': 'redact',
          'x-contribution-bound': 25000,
        },
        startDate: { ...DATE, title: '参保日期 / Start date' },
        status: {
          type: 'string',
          title: '参保状态 / Status',
          enum: [...INSURANCE_STATUS],
          'x-dimension': true,
          'x-index': true,
        },
      },
      ['idNumber', 'name', 'insuranceType', 'monthlyBase', 'startDate', 'status'],
    ),
  },
  subsidies: {
    title: '社会救助发放 / Social assistance payments',
    description: '民政局救助与补贴发放记录 / Subsidies paid by Civil Affairs',
    schema: schemaOf(
      {
        recordNo: { type: 'string', title: '发放记录号 / Record number', 'x-key': true },
        idNumber: { ...ID_NUMBER, 'x-sensitivity': 'sensitive', 'x-mask': 'partial', 'x-index': true },
        name: { type: 'string', title: '姓名 / Name', 'x-sensitivity': 'personal', 'x-mask': 'partial' },
        subsidyType: {
          type: 'string',
          title: '救助类型 / Subsidy type',
          enum: [...SUBSIDY_TYPES],
          'x-dimension': true,
          'x-index': true,
        },
        amount: { type: 'number', title: '金额（元）/ Amount (CNY)', minimum: 0, 'x-contribution-bound': 6000 },
        grantedOn: { ...DATE, title: '发放日期 / Granted on', 'x-index': true },
        address: { type: 'string', title: '住址 / Address', 'x-sensitivity': 'personal', 'x-mask': 'partial' },
      },
      ['recordNo', 'idNumber', 'name', 'subsidyType', 'amount', 'grantedOn'],
    ),
  },
  'medical-insurance': {
    title: '医保结算 / Medical insurance claims',
    description: '卫健委医疗费用结算记录 / Hospital claims settled by medical insurance',
    schema: schemaOf(
      {
        claimNo: { type: 'string', title: '结算单号 / Claim number', 'x-key': true },
        idNumber: { ...ID_NUMBER, 'x-sensitivity': 'sensitive', 'x-mask': 'hash', 'x-index': true },
        name: { type: 'string', title: '姓名 / Name', 'x-sensitivity': 'personal', 'x-mask': 'partial' },
        diagnosisCode: {
          type: 'string',
          title: '诊断编码（ICD-10）/ Diagnosis code',
          'x-sensitivity': 'sensitive',
          'x-mask': 'redact',
        },
        hospital: {
          type: 'string',
          title: '医疗机构 / Hospital',
          enum: [...HOSPITALS],
          'x-dimension': true,
          'x-index': true,
        },
        claimAmount: {
          type: 'number',
          title: '结算金额（元）/ Claim amount (CNY)',
          minimum: 0,
          'x-contribution-bound': 80000,
        },
        visitDate: { ...DATE, title: '就诊日期 / Visit date', 'x-index': true },
      },
      ['claimNo', 'idNumber', 'name', 'diagnosisCode', 'hospital', 'claimAmount', 'visitDate'],
    ),
  },
};

// ---------------------------------------------------------------------------------------------
// Row generators

interface Person {
  idNumber: string;
  name: string;
  address: string;
}

export interface DemoRows {
  rows: Record<DemoDatasetId, Record<string, unknown>[]>;
}

/** Generates every demo row (pure, deterministic for a given scale and seed). */
export function generateDemoRows(scale = 1, seed = 20240601): Record<DemoDatasetId, Record<string, unknown>[]> {
  const rng = createRng(seed);
  const n = (id: DemoDatasetId) => Math.max(1, Math.round(DEMO_DATASETS.find((d) => d.id === id)!.rows * scale));

  // Residents
  const residents: Record<string, unknown>[] = [];
  const people: Person[] = [];
  for (let i = 0; i < n('resident-registry'); i++) {
    const district = rng.pick(DISTRICTS);
    const birth = randomDate(rng, 1938, 2012);
    const male = rng.chance(0.5);
    let idNumber = makeResidentId(district.code, birth, rng.int(0, 999), male);
    if (rng.chance(0.03)) idNumber = corruptLast(idNumber, '0123456789X', rng);
    const name = chineseName(rng);
    const addr =
      people.length > 20 && rng.chance(0.15) ? rewriteAddress(rng, rng.pick(people).address) : address(rng, district);
    const row: Record<string, unknown> = {
      idNumber,
      name,
      gender: rng.chance(0.98) === male ? '男' : '女',
      birthDate: rng.chance(0.97) ? birth : shiftDate(birth, rng.pick([-365, -31, -1, 1, 30, 3650])),
      address: addr,
      ethnicity: rng.chance(0.9) ? '汉族' : rng.pick(ETHNICITIES),
      registeredOn: randomDate(rng, Math.max(1985, Number(birth.slice(0, 4))), 2024),
    };
    const m = rng.next();
    if (m < 0.02) {
      /* absent */
    } else if (m < 0.03) row.mobile = '';
    else if (m < 0.04) row.mobile = rng.pick(['   ', '\u3000', ' ']);
    else if (m < 0.05) row.mobile = null;
    else row.mobile = `1${rng.pick(['3', '5', '7', '8', '9'])}${String(rng.int(0, 999_999_999)).padStart(9, '0')}`;
    residents.push(row);
    people.push({ idNumber, name, address: addr });
  }
  // A few duplicated registrations (same key, re-entered).
  for (let i = 0; i < Math.round(residents.length * 0.01); i++)
    residents.push({ ...rng.pick(residents), registeredOn: randomDate(rng, 2020, 2024) });

  // Somebody from the registry, now and then somebody the registry does not know.
  const someone = (): Person => {
    if (rng.chance(0.95)) {
      const p = rng.pick(people);
      return rng.chance(0.02) ? { ...p, name: p.name.slice(0, -1) + rng.pick(GIVEN) } : p;
    }
    const d = rng.pick(DISTRICTS);
    return {
      idNumber: makeResidentId(d.code, randomDate(rng, 1940, 2005), rng.int(0, 999), rng.chance(0.5)),
      name: chineseName(rng),
      address: address(rng, d),
    };
  };

  // Legal persons
  const companies: Record<string, unknown>[] = [];
  for (let i = 0; i < n('legal-persons'); i++) {
    const d = rng.pick(DISTRICTS);
    let creditCode = makeCreditCode(rng, d.code);
    if (rng.chance(0.03)) creditCode = corruptLast(creditCode, USCC_CHARS, rng);
    const row: Record<string, unknown> = {
      creditCode,
      companyName: `杭州${rng.pick(COMPANY_WORDS)}${rng.pick(COMPANY_TRADES)}有限公司${rng.chance(0.05) ? ' ' : ''}`,
      legalRepresentative: someone().name,
      registeredCapital: rng.chance(0.9) ? rng.int(1, 5000) * 10_000 : Math.round(rng.next() * 1e8) / 100,
      establishedOn: randomDate(rng, 1995, 2024),
      status: rng.chance(0.8) ? '存续' : rng.pick(COMPANY_STATUS),
    };
    if (rng.chance(0.93)) row.address = rng.chance(0.1) ? rewriteAddress(rng, address(rng, d)) : address(rng, d);
    companies.push(row);
  }
  const creditCodes = companies.map((c) => c.creditCode as string);

  // Business licences
  const licences: Record<string, unknown>[] = [];
  for (let i = 0; i < n('business-licences'); i++) {
    const issuedOn = randomDate(rng, 2015, 2024);
    licences.push({
      licenceNo: `${rng.pick(['JY', 'YP', 'QX', 'YS', 'PW'])}${rng.pick(DISTRICTS).code}${String(100000 + i * 7 + rng.int(0, 6)).padStart(8, '0')}`,
      creditCode: rng.chance(0.97) ? rng.pick(creditCodes) : makeCreditCode(rng, rng.pick(DISTRICTS).code),
      licenceType: rng.pick(LICENCE_TYPES),
      issuedOn,
      // Five-year licences; a few recorded as expiring before they were issued.
      expiresOn: rng.chance(0.98) ? shiftDate(issuedOn, 5 * 365) : shiftDate(issuedOn, -rng.int(1, 400)),
    });
  }

  // Social insurance: several insurance types per person; a record is one person's enrolment in one
  // type (key idNumber + insuranceType), so a person is enrolled once. A person drawn again is
  // replaced by another registered resident drawn from a side generator, which leaves the main
  // sequence (and so every dataset generated after this one) as it was.
  const insurance: Record<string, unknown>[] = [];
  const enrolled = new Set<string>();
  const spare = createRng(seed ^ 0x5151);
  const notYetEnrolled = (p: Person): Person => {
    for (let tries = 0; enrolled.has(p.idNumber); tries++) {
      const d = spare.pick(DISTRICTS);
      p =
        tries < 100
          ? spare.pick(people)
          : {
              idNumber: makeResidentId(d.code, randomDate(spare, 1940, 2005), spare.int(0, 999), spare.chance(0.5)),
              name: chineseName(spare),
              address: address(spare, d),
            };
    }
    enrolled.add(p.idNumber);
    return p;
  };
  while (insurance.length < n('social-insurance')) {
    const p = notYetEnrolled(someone());
    const types = [...INSURANCE_TYPES].filter(() => rng.chance(0.45));
    const employer = rng.chance(0.85) ? rng.pick(creditCodes) : null;
    const base = rng.int(4462, 24930);
    const start = randomDate(rng, 2000, 2024);
    for (const t of types.length ? types : ['养老保险']) {
      if (insurance.length >= n('social-insurance')) break;
      insurance.push({
        idNumber: p.idNumber,
        name: p.name,
        employerCreditCode: employer,
        insuranceType: t,
        monthlyBase: base,
        startDate: start,
        status: rng.chance(0.85) ? '参保缴费' : rng.pick(INSURANCE_STATUS),
      });
    }
  }

  // Subsidies
  const subsidies: Record<string, unknown>[] = [];
  for (let i = 0; i < n('subsidies'); i++) {
    const p = someone();
    const type = rng.pick(SUBSIDY_TYPES);
    const row: Record<string, unknown> = {
      recordNo: `MZ${2023 + (i % 2)}${String(i + 1).padStart(7, '0')}`,
      idNumber: p.idNumber,
      name: p.name,
      subsidyType: type,
      amount: type === '临时救助' ? rng.int(5, 60) * 100 : rng.pick([1010, 1160, 1290, 1510, 200, 100]),
      grantedOn: randomDate(rng, 2023, 2024),
    };
    if (rng.chance(0.9)) row.address = rng.chance(0.2) ? rewriteAddress(rng, p.address) : p.address;
    subsidies.push(row);
  }
  // Paid twice: the same record number entered again.
  for (let i = 0; i < Math.round(subsidies.length * 0.01); i++) subsidies.push({ ...rng.pick(subsidies) });

  // Medical insurance claims
  const claims: Record<string, unknown>[] = [];
  for (let i = 0; i < n('medical-insurance'); i++) {
    const p = someone();
    claims.push({
      claimNo: `YB${randomDate(rng, 2024, 2024).replaceAll('-', '')}${String(i + 1).padStart(6, '0')}`,
      idNumber: p.idNumber,
      name: p.name,
      diagnosisCode: rng.pick(DIAGNOSES),
      hospital: rng.pick(HOSPITALS),
      claimAmount: Math.round(rng.next() * rng.pick([500, 5000, 80000]) * 100) / 100,
      visitDate: randomDate(rng, 2023, 2024),
    });
  }

  return {
    'resident-registry': residents,
    'legal-persons': companies,
    'business-licences': licences,
    'social-insurance': insurance,
    subsidies,
    'medical-insurance': claims,
  };
}

/**
 * Loads the demo departments, datasets, records and grants into an empty catalog, in one
 * transaction. Does nothing (returns null) when any department exists already.
 */
/** `calendar`: the operator's working calendar, so the demo history's deadlines are the ones the hub would set. */
export async function seedDemoData(
  db: CatalogDb,
  opts: { scale?: number; now?: Date; calendar?: WorkingCalendar } = {},
): Promise<{ records: number } | null> {
  const [{ n }] = await db.select({ n: count() }).from(departments);
  if (Number(n) > 0) return null;
  const scale = opts.scale ?? 1;
  const now = opts.now ?? new Date();
  const generated = generateDemoRows(scale);
  return grantCacheFor(db).aroundWrite(() =>
    db
      .transaction(async (tx) => {
        const inserted = await tx
          .insert(departments)
          .values([...DEMO_DEPARTMENTS])
          .onConflictDoNothing()
          .returning();
        if (inserted.length < DEMO_DEPARTMENTS.length) {
          tx.rollback(); // someone else is seeding
        }
        let total = 0;
        for (const d of DEMO_DATASETS) {
          const meta = DEMO_SCHEMAS[d.id];
          const compiled = compileDatasetSchema(meta.schema);
          const rows = generated[d.id];
          await tx.insert(datasets).values({
            id: d.id,
            title: meta.title,
            description: meta.description,
            ownerDept: d.ownerDept,
            tier: d.tier,
            keyFields: compiled.keyFields,
            version: 1,
            schema: compiled.schema,
            fieldOrder: Object.keys(compiled.schema.properties),
            recordCount: rows.length,
          });
          await tx.insert(datasetVersions).values({
            datasetId: d.id,
            version: 1,
            schema: compiled.schema,
            fieldOrder: Object.keys(compiled.schema.properties),
          });
          for (let i = 0; i < rows.length; i += 1000) {
            const chunk = rows.slice(i, i + 1000).map((data, j) => {
              if (!compiled.validate(data))
                throw new Error(
                  `demo row ${d.id}#${i + j + 1} is not well-shaped: ${JSON.stringify(compiled.validate.errors)}`,
                );
              return { datasetId: d.id, key: recordKey(compiled.keyFields, data), data, version: 1 };
            });
            await tx.insert(records).values(chunk);
          }
          total += rows.length;
        }
        const day = 86_400_000;
        const demoGrants = await tx
          .insert(grants)
          .values([
            {
              datasetId: 'social-insurance',
              granteeDept: 'MCA',
              fields: ['idNumber', 'name', 'insuranceType', 'status'],
              unmaskedFields: ['name'],
              purpose: '低保资格核查 / subsidy eligibility check',
              expiresAt: new Date(now.getTime() + 365 * day),
              createdAt: now,
              createdBy: 'demo-seed',
            },
            {
              datasetId: 'subsidies',
              granteeDept: 'NHC',
              fields: ['recordNo', 'idNumber', 'subsidyType', 'grantedOn'],
              unmaskedFields: [],
              purpose: '医疗救助对象比对 / medical assistance matching (expired)',
              expiresAt: new Date(now.getTime() - 30 * day),
              createdAt: new Date(now.getTime() - 395 * day),
              createdBy: 'demo-seed',
            },
          ])
          .returning();
        // Their audit facts, as for any grant (the hub relays them on its first pass).
        await enqueueGrantFacts(
          tx,
          demoGrants.map((g) => grantFactEvent('grants.created', toGrant(g), DEMO_ORIGIN, g.createdAt)),
        );
        await seedAccessHistory(
          tx,
          now,
          { mcaOnSocialInsurance: demoGrants[0].id, nhcOnSubsidies: demoGrants[1].id },
          opts.calendar,
        );
        return { records: total };
      })
      .then(
        async (seeded) => {
          // The rows bypass createDataset: their x-index indexes are built here, after the commit.
          if (seeded)
            for (const d of DEMO_DATASETS)
              await syncRecordIndexesAfterWrite(db, d.id, compileDatasetSchema(DEMO_SCHEMAS[d.id].schema).schema);
          return seeded;
        },
        (err) => {
          // tx.rollback() throws a TransactionRollbackError: another process seeded first.
          if ((err as Error)?.name === 'TransactionRollbackError' || /Rollback/i.test(String((err as Error)?.message)))
            return null;
          throw err;
        },
      ),
  );
}
