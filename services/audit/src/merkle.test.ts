import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  EMPTY_ROOT,
  Frontier,
  MemoryTree,
  consistencyProof,
  frontierRefs,
  inclusionProof,
  leafHash,
  nodesNeeded,
  rootOf,
  toHex,
  verifyConsistency,
  verifyInclusion,
} from './merkle.ts';

// Certificate Transparency's standard test leaves and expected values (merkle_tree_test.cc / RFC 6962 vectors).
const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(
  (h) => Buffer.from(h, 'hex'),
);
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
// [leaf index (0-based), tree size, proof]
const INCLUSION: [number, number, string[]][] = [
  [0, 1, []],
  [
    0,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    5,
    8,
    [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [2, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
  [
    1,
    5,
    [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
];
// [old size, new size, proof]
const CONSISTENCY: [number, number, string[]][] = [
  [1, 1, []],
  [
    1,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    6,
    8,
    [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [
    2,
    5,
    [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
];

const tree8 = MemoryTree.fromLeaves(LEAVES);
const hex = (xs: Uint8Array[]) => xs.map(toHex);

describe('RFC 6962 known answers (Certificate Transparency vectors)', () => {
  it('empty tree root is SHA-256 of the empty string', () => {
    expect(toHex(EMPTY_ROOT)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(toHex(rootOf(tree8, 0))).toBe(toHex(EMPTY_ROOT));
  });

  it('roots for sizes 1..8', () => {
    for (let n = 1; n <= 8; n++) {
      expect(toHex(rootOf(tree8, n))).toBe(ROOTS[n - 1]);
      const f = new Frontier();
      for (const l of LEAVES.slice(0, n)) f.append(leafHash(l));
      expect(toHex(f.root())).toBe(ROOTS[n - 1]);
    }
  });

  it.each(INCLUSION)('inclusion proof of leaf %i in tree of size %i', (index, size, expected) => {
    const proof = inclusionProof(tree8, index, size);
    expect(hex(proof)).toEqual(expected);
    expect(verifyInclusion(index, size, leafHash(LEAVES[index]!), proof, Buffer.from(ROOTS[size - 1]!, 'hex'))).toBe(
      true,
    );
  });

  it.each(CONSISTENCY)('consistency proof %i -> %i', (m, n, expected) => {
    const proof = consistencyProof(tree8, m, n);
    expect(hex(proof)).toEqual(expected);
    expect(verifyConsistency(m, n, Buffer.from(ROOTS[m - 1]!, 'hex'), Buffer.from(ROOTS[n - 1]!, 'hex'), proof)).toBe(
      true,
    );
  });

  it('rejects proofs for the wrong leaf, index, size or root', () => {
    const proof = inclusionProof(tree8, 5, 8);
    const root = Buffer.from(ROOTS[7]!, 'hex');
    expect(verifyInclusion(5, 8, leafHash(LEAVES[4]!), proof, root)).toBe(false);
    expect(verifyInclusion(4, 8, leafHash(LEAVES[5]!), proof, root)).toBe(false);
    expect(verifyInclusion(5, 3, leafHash(LEAVES[5]!), proof, root)).toBe(false);
    expect(verifyInclusion(8, 8, leafHash(LEAVES[5]!), proof, root)).toBe(false);
    expect(verifyInclusion(5, 8, leafHash(LEAVES[5]!), proof.slice(0, 2), root)).toBe(false);
    expect(verifyConsistency(6, 8, Buffer.from(ROOTS[4]!, 'hex'), root, consistencyProof(tree8, 6, 8))).toBe(false);
    expect(verifyConsistency(6, 8, Buffer.from(ROOTS[5]!, 'hex'), root, [])).toBe(false);
  });
});

function randomTree(size: number): MemoryTree {
  const t = new MemoryTree();
  for (let i = 0; i < size; i++) t.appendHash(leafHash(Buffer.from(`leaf-${i}`)));
  return t;
}
const BIG = randomTree(3000);

function tamper(proof: Uint8Array[], which: number, bit: number): Uint8Array[] {
  const copy = proof.map((p) => Buffer.from(p));
  const p = copy[which % copy.length]!;
  p[bit % 32]! ^= 1 << (bit % 8);
  return copy;
}

describe('properties (fast-check)', () => {
  const sizeAndIndex = fc
    .oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 3000 }))
    .chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 })));

  it('every inclusion proof verifies; every tampered proof, leaf or index fails', () => {
    fc.assert(
      fc.property(sizeAndIndex, fc.nat(), fc.nat(), ([n, i], which, bit) => {
        const root = rootOf(BIG, n);
        const leaf = BIG.node(0, i);
        const proof = inclusionProof(BIG, i, n);
        expect(proof.length).toBeLessThanOrEqual(Math.ceil(Math.log2(n)));
        expect(verifyInclusion(i, n, leaf, proof, root)).toBe(true);
        if (proof.length > 0) {
          expect(verifyInclusion(i, n, leaf, tamper(proof, which, bit), root)).toBe(false);
          expect(verifyInclusion(i, n, leaf, proof.slice(0, -1), root)).toBe(false);
        }
        expect(verifyInclusion(i, n, leaf, [...proof, leaf], root)).toBe(false);
        const other = BIG.node(0, (i + 1) % 3000);
        expect(verifyInclusion(i, n, other, proof, root)).toBe(false);
        if (n > 1) expect(verifyInclusion((i + 1) % n, n, leaf, proof, root)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('every consistency proof verifies; every tampered proof or root fails', () => {
    const sizes = fc
      .oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 3000 }))
      .chain((n) => fc.tuple(fc.integer({ min: 1, max: n }), fc.constant(n)));
    fc.assert(
      fc.property(sizes, fc.nat(), fc.nat(), ([m, n], which, bit) => {
        const mr = rootOf(BIG, m);
        const nr = rootOf(BIG, n);
        const proof = consistencyProof(BIG, m, n);
        expect(verifyConsistency(m, n, mr, nr, proof)).toBe(true);
        if (m < n) {
          expect(verifyConsistency(m, n, mr, nr, tamper(proof, which, bit))).toBe(false);
          expect(verifyConsistency(m, n, nr, mr, proof)).toBe(false);
          const otherM = rootOf(randomTree(m + 1), m + 1);
          expect(verifyConsistency(m, n, otherM, nr, proof)).toBe(false);
          expect(verifyConsistency(m, n, mr, nr, proof.slice(1))).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('the frontier gives the same root as the full tree, and finishes exactly the stored nodes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), (n) => {
        const f = new Frontier();
        const made = new Set<string>();
        for (let i = 0; i < n; i++)
          for (const d of f.append(BIG.node(0, i))) {
            expect(toHex(d.hash)).toBe(toHex(BIG.node(d.level, d.index)));
            made.add(`${d.level}:${d.index}`);
          }
        expect(toHex(f.root())).toBe(toHex(rootOf(BIG, n)));
        // Proofs for this size only read nodes the frontier has finished.
        for (const r of nodesNeeded((src) => rootOf(src, n))) expect(made.has(`${r.level}:${r.index}`)).toBe(true);
        const refs = frontierRefs(n);
        expect(refs.map((r) => r.level)).toEqual(f.stack.map((x) => x.level));
        refs.forEach((r, j) => expect(toHex(BIG.node(r.level, r.index))).toBe(toHex(f.stack[j]!.hash)));
      }),
      { numRuns: 100 },
    );
  });

  it('proofs read O(log n) nodes', () => {
    const n = 1_000_000;
    const inc = nodesNeeded((src) => inclusionProof(src, 765_432, n));
    const con = nodesNeeded((src) => consistencyProof(src, 654_321, n));
    expect(inc.length).toBeLessThanOrEqual(2 * 20 + 2);
    expect(con.length).toBeLessThanOrEqual(3 * 20 + 2);
  });
});
