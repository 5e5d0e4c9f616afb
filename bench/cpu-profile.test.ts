import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  attributeProfile,
  type CpuProfile,
  DEFAULT_RULES,
  printComponentTable,
  readProfiles,
  scaleTo,
  type Rule,
  topFrames,
} from './cpu-profile.ts';

const nm = (pkg: string, file: string) =>
  `file:///repo/node_modules/.pnpm/${pkg.replace('/', '+')}@1.0.0/node_modules/${pkg}/${file}`;
const src = (path: string) => `file:///repo/${path}`;

/** A profile from a tree of frames; `samples` names frames by their key, with the µs each is charged. */
function profile(
  tree: Record<string, { fn: string; url?: string; parent?: string }>,
  samples: [string, number][],
): CpuProfile {
  const keys = Object.keys(tree);
  const id = (k: string) => keys.indexOf(k) + 2; // 1 is (root)
  return {
    nodes: [
      {
        id: 1,
        callFrame: { functionName: '(root)', url: '' },
        children: keys.filter((k) => !tree[k].parent).map(id),
      },
      ...keys.map((k) => ({
        id: id(k),
        callFrame: { functionName: tree[k].fn, url: tree[k].url ?? '' },
        children: keys.filter((c) => tree[c].parent === k).map(id),
      })),
    ],
    startTime: 0,
    endTime: samples.reduce((t, [, d]) => t + d, 0),
    samples: samples.map(([k]) => id(k)),
    timeDeltas: samples.map(([, d]) => d),
  };
}

// fastify -> graphql -> gateway operation -> JSON.stringify / node streams; postgres -> node:net; ...
const TREE = {
  idle: { fn: '(idle)' },
  gc: { fn: '(garbage collector)' },
  program: { fn: '(program)' },
  route: { fn: 'routeHandler', url: nm('fastify', 'lib/route.js') },
  execute: { fn: 'execute', url: nm('graphql', 'execution/execute.js'), parent: 'route' },
  records: { fn: 'readRecords', url: src('gateway/src/operations/records.ts'), parent: 'execute' },
  stringify: { fn: 'stringify', parent: 'records' },
  stream: { fn: 'Readable.read', url: 'node:internal/streams/readable', parent: 'records' },
  query: { fn: 'query', url: nm('postgres', 'src/connection.js') },
  write: { fn: 'Socket._writeGeneric', url: 'node:net', parent: 'query' },
  writev: { fn: 'writev', parent: 'write' },
  accept: { fn: 'onconnection', url: 'node:net' },
  recordsQuery: { fn: 'buildWhere', url: src('services/catalog/src/records-query.ts') },
  catalogRoute: { fn: 'listDatasets', url: src('services/catalog/src/face.ts') },
  microtasks: { fn: 'runMicrotasks' },
};

describe('attributeProfile', () => {
  it('charges a sample to the innermost frame of its stack that a rule matches', () => {
    const totals = attributeProfile(
      profile(TREE, [
        ['route', 10],
        ['execute', 20],
        ['records', 40],
      ]),
    );
    expect(Object.fromEntries(totals)).toEqual({ HTTP: 10, GraphQL: 20, 'gateway other': 40 });
  });

  it('charges frames no rule knows (builtins without URL, node internals) to their nearest known caller', () => {
    const totals = attributeProfile(
      profile(TREE, [
        ['stringify', 7],
        ['stream', 5],
        ['writev', 3],
        ['microtasks', 2],
      ]),
    );
    expect(Object.fromEntries(totals)).toEqual({ 'gateway other': 12, SQL: 3, other: 2 });
  });

  it('leaves idle out; GC is a component of its own; what matches nothing is other', () => {
    const totals = attributeProfile(
      profile(TREE, [
        ['idle', 1000],
        ['gc', 30],
        ['program', 9],
        ['idle', 500],
      ]),
    );
    expect(Object.fromEntries(totals)).toEqual({ GC: 30, other: 9 });
  });

  it('sums to the non-idle time: every non-idle delta counted once', () => {
    const keys = Object.keys(TREE);
    const samples: [string, number][] = Array.from({ length: 500 }, (_, i) => [
      keys[(i * 7) % keys.length],
      1 + ((i * 13) % 97),
    ]);
    const totals = attributeProfile(profile(TREE, samples));
    const nonIdle = samples.filter(([k]) => k !== 'idle').reduce((t, [, d]) => t + d, 0);
    expect([...totals.values()].reduce((a, b) => a + b, 0)).toBe(nonIdle);
    expect(totals.has('idle') || totals.has('(idle)')).toBe(false);
  });

  it("a fallback rule (sockets are HTTP) yields to a known caller's component", () => {
    const totals = attributeProfile(
      profile(TREE, [
        ['accept', 4], // node:net at the top of the stack: HTTP
        ['write', 6], // node:net under the postgres driver: SQL
      ]),
    );
    expect(Object.fromEntries(totals)).toEqual({ HTTP: 4, SQL: 6 });
  });

  it('where two rules match one frame, the first wins', () => {
    const totals = attributeProfile(
      profile(TREE, [
        ['recordsQuery', 3],
        ['catalogRoute', 5],
      ]),
    );
    expect(Object.fromEntries(totals)).toEqual({ SQL: 3, catalog: 5 });
  });

  it('takes other rules', () => {
    const rules: Rule[] = [{ component: 'web', test: /fastify|graphql/ }];
    const totals = attributeProfile(
      profile(TREE, [
        ['records', 2],
        ['gc', 1],
      ]),
      rules,
    );
    expect(Object.fromEntries(totals)).toEqual({ web: 2, other: 1 });
  });

  it('lists the frames whose time lands in a component', () => {
    const p = profile(TREE, [
      ['program', 9],
      ['microtasks', 2],
      ['program', 1],
      ['records', 5],
    ]);
    expect(topFrames(p)).toEqual([
      ['(program)', 10],
      ['runMicrotasks', 2],
    ]);
    expect(topFrames(p, 'gateway other')).toEqual([['readRecords file:///repo/gateway/src/operations/records.ts', 5]]);
  });
});

describe('DEFAULT_RULES', () => {
  const componentOf = (url: string, fn = 'f') =>
    [...attributeProfile(profile({ frame: { fn, url } }, [['frame', 1]]), DEFAULT_RULES).keys()][0];

  it.each([
    [nm('@envelop/core', 'cjs/orchestrator.js'), 'GraphQL'],
    [nm('graphql-yoga', 'cjs/server.js'), 'GraphQL'],
    [nm('@whatwg-node/server', 'cjs/utils.js'), 'GraphQL'],
    [nm('@pothos/core', 'esm/build-cache.js'), 'GraphQL'],
    [src('gateway/src/graphql/yoga.ts'), 'GraphQL'],
    [nm('jose', 'dist/webapi/jws/compact/verify.js'), 'token'],
    [src('gateway/src/http/authenticate.ts'), 'token'],
    [src('gateway/src/tokens/verify-token.ts'), 'token'],
    [src('packages/platform/src/policy/tiers.ts'), 'policy'],
    [src('packages/platform/src/policy/decisions.ts'), 'policy'],
    [src('packages/platform/src/policy/decision.ts'), 'policy'],
    [src('packages/platform/src/policy/masking.ts'), 'masking'],
    [nm('@electric-sql/pglite', 'dist/index.js'), 'SQL'],
    [nm('drizzle-orm', 'pg-core/query-builders/select.js'), 'SQL'],
    [nm('postgres', 'src/connection.js'), 'SQL'],
    [src('packages/platform/src/db.ts'), 'SQL'],
    [src('services/audit/src/merkle.ts'), 'audit hashing'],
    [src('services/audit/src/canonical.ts'), 'audit hashing'],
    [src('services/audit/src/append.ts'), 'audit commit'],
    [src('gateway/src/audit-recorder.ts'), 'audit commit'],
    [src('services/audit/src/append.test.ts'), 'test harness'],
    [src('services/catalog/src/datasets.ts'), 'catalog'],
    [nm('fastify', 'lib/reply.js'), 'HTTP'],
    [nm('find-my-way', 'index.js'), 'HTTP'],
    [nm('undici', 'lib/dispatcher/client-h1.js'), 'HTTP'],
    [nm('pino', 'lib/proto.js'), 'HTTP'],
    ['node:_http_server', 'HTTP'],
    ['node:internal/deps/undici/undici', 'HTTP'],
    [nm('ajv', 'dist/compile/index.js'), 'validation'],
    [src('packages/platform/src/module-face.ts'), 'validation'],
    [src('contracts/src/schemas.ts'), 'validation'],
    [src('gateway/src/app.ts'), 'gateway other'],
    ['node:internal/modules/esm/loader', 'module loading'],
    // A package's file is never taken for the repository's own.
    [nm('some-lib', 'gateway/src/app.js'), 'other'],
    ['node:internal/streams/readable', 'other'],
  ])('%s is %s', (url, component) => {
    expect(componentOf(url)).toBe(component);
  });

  it("knows ajv's compiled validators (no URL) by name", () => {
    expect(componentOf('', 'validate42')).toBe('validation');
    expect(componentOf('', 'stringify')).toBe('other');
  });

  it('takes Windows paths', () => {
    expect(componentOf('C:\\repo\\packages\\platform\\src\\policy\\tiers.ts')).toBe('policy');
  });
});

describe('readProfiles and printComponentTable', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    vi.restoreAllMocks();
  });

  it('reads every .cpuprofile of a directory, or one file', () => {
    dir = mkdtempSync(join(tmpdir(), 'cpu-profile-'));
    const p = profile(TREE, [['records', 3]]);
    writeFileSync(join(dir, 'b.cpuprofile'), JSON.stringify(p));
    writeFileSync(join(dir, 'a.cpuprofile'), JSON.stringify(profile(TREE, [['gc', 1]])));
    writeFileSync(join(dir, 'notes.txt'), 'not a profile');
    const profiles = readProfiles(dir);
    expect(profiles.map((q) => Object.fromEntries(attributeProfile(q)))).toEqual([{ GC: 1 }, { 'gateway other': 3 }]);
    expect(readProfiles(join(dir, 'b.cpuprofile'))).toEqual([p]);
  });

  it('prints a row per component in the rules order, one column per run, and the total', () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    printComponentTable('CPU µs per read', [
      {
        name: 'before',
        perOp: new Map([
          ['other', 1],
          ['SQL', 20.25],
          ['GraphQL', 10],
        ]),
      },
      {
        name: 'after',
        perOp: new Map([
          ['SQL', 5],
          ['GC', 2.5],
        ]),
      },
    ]);
    expect(lines.map((l) => l.trim().split(/\s+/))).toEqual([
      ['CPU', 'µs', 'per', 'read'],
      ['component', 'before', 'after'],
      ['GraphQL', '10.0', '0.0'],
      ['SQL', '20.3', '5.0'],
      ['GC', '0.0', '2.5'],
      ['other', '1.0', '0.0'],
      ['total', '31.3', '7.5'],
    ]);
    const widths = new Set(lines.slice(1).map((l) => l.length));
    expect(widths.size).toBe(1); // aligned
  });
});

describe('scaleTo', () => {
  it('keeps the shares and sums to the total given', () => {
    const scaled = scaleTo(
      new Map([
        ['SQL', 30],
        ['HTTP', 10],
      ]),
      20,
    );
    expect(Object.fromEntries(scaled)).toEqual({ SQL: 15, HTTP: 5 });
  });
});
