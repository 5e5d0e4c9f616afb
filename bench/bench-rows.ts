// The rows every server of bench/gateway.bench.ts answers from: the same BENCH_ROWS (default
// 200,000) residents, generated deterministically, loaded into govshare (through its upload route)
// and into a typed table (real columns) for the raw and PostGraphile anchors.

export interface BenchRow {
  recordNo: string;
  district: string;
  idNumber: string;
  name: string;
  gender: string;
  birthDate: string;
  address: string;
}

/** District codes: the filtered, indexed, non-key field. Each holds ROWS / DISTRICTS rows, spread over the whole table. */
export const DISTRICTS = 1000;
export const districtCode = (i: number) => `D${String(i).padStart(4, '0')}`;
export const recordNo = (i: number) => `R${String(i).padStart(7, '0')}`;

const SURNAMES = [
  ...'王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈',
];
const GIVEN = [...'伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华建国志红文辉玲丹萍鑫宇浩然涵欣轩诺思远嘉怡佳琪'];
const STREETS = [
  '解放路',
  '延安路',
  '庆春路',
  '湖墅南路',
  '莫干山路',
  '文三路',
  '教工路',
  '江南大道',
  '市心中路',
  '文一西路',
];

function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function benchRows(n: number, seed = 42): BenchRow[] {
  const r = rng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  const rows: BenchRow[] = [];
  for (let i = 0; i < n; i++) {
    const y = int(1940, 2010);
    const m = String(int(1, 12)).padStart(2, '0');
    const d = String(int(1, 28)).padStart(2, '0');
    const male = r() < 0.5;
    const seq = String(int(0, 499) * 2 + (male ? 1 : 0)).padStart(3, '0');
    rows.push({
      recordNo: recordNo(i),
      district: districtCode(int(0, DISTRICTS - 1)),
      idNumber: `330106${y}${m}${d}${seq}${int(0, 9)}`,
      name: pick(SURNAMES) + pick(GIVEN) + (r() < 0.7 ? pick(GIVEN) : ''),
      gender: male ? '男' : '女',
      birthDate: `${y}-${m}-${d}`,
      address: `浙江省杭州市西湖区${pick(STREETS)}${int(1, 899)}号`,
    });
  }
  return rows;
}
