// CPU per component of one Node process, from the V8 profile `node --cpu-prof` writes.
//
// The hub's gateway, catalog and audit log share one process, so the process's CPU time alone says
// nothing about which of them a read costs. A sampled profile does: V8 records the stack every
// interval (1 ms by default), and each sample is charged to the component of the innermost frame on
// its stack that a rule below recognises. A frame no rule knows (node's streams and buffers, WASM,
// builtins such as JSON.stringify or the crypto calls, which have no URL) is charged to its nearest
// caller that is known: the JSON.stringify a GraphQL resolver calls is GraphQL's CPU, the WASM
// PGlite runs is SQL's.
//
//   tsx bench/cpu-profile.ts <dir-or-file.cpuprofile> [ops] [--frames[=<component>]]
//
// prints the table: µs per operation when `ops` is given, else ms in total. `--frames` also lists
// the sampled frames whose time lands in 'other' (to see which rule is missing), or in the component
// named.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// ---------------------------------------------------------------------------------------------
// The profile (the parts of V8's Profiler.Profile this reads)

export interface CallFrame {
  functionName: string;
  /** file:// URL, node:<module>, wasm://..., or '' for builtins and V8's own entries. */
  url: string;
  scriptId?: string | number;
  lineNumber?: number;
  columnNumber?: number;
}

export interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
  hitCount?: number;
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  /** The node (innermost frame) of each sample. */
  samples: number[];
  /** µs from the previous sample (for the first: from startTime) to this one. */
  timeDeltas: number[];
}

// ---------------------------------------------------------------------------------------------
// Rules

export interface Rule {
  component: string;
  /** Tested on the frame's URL (a file:// URL, a path, or node:<module>), or with on: 'function' on
   *  the function name of a frame without URL (V8's own entries, builtins, code built with new Function). */
  test: RegExp;
  on?: 'url' | 'function';
  /**
   * A fallback names the frame's component only when no caller of it matches a rule that is not a
   * fallback. Node's socket code is HTTP when the event loop calls it directly (a connection, a
   * request's bytes), but the SQL client's when the postgres driver writes its queries through it.
   */
  fallback?: boolean;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Files of these npm packages: the package directory right after a node_modules/ (so pnpm's
 *  node_modules/.pnpm/<name>@<version>/node_modules/<name>/ too). '@scope/*' is every package of a scope. */
const npm = (...names: string[]) =>
  `/node_modules/(?:${names.map((n) => (n.endsWith('/*') ? `${escapeRegExp(n.slice(0, -2))}/[^/]+` : escapeRegExp(n))).join('|')})/`;

/** The repository's own files under these paths (relative to the repository root; a prefix of a
 *  file's path, so 'gateway/src/http/authenticate' is authenticate.ts); never files of a package. */
const repo = (...paths: string[]) => `^(?!.*/node_modules/).*/(?:${paths.map(escapeRegExp).join('|')})`;

/** Node's own modules: 'net' is node:net, 'internal/modules/' every node:internal/modules/... */
const core = (...modules: string[]) =>
  `^node:(?:${modules.map((m) => (m.endsWith('/') ? `${escapeRegExp(m)}.*` : `${escapeRegExp(m)}$`)).join('|')})`;

const rule = (component: string, ...sources: string[]): Rule => ({
  component,
  test: new RegExp(sources.map((s) => `(?:${s})`).join('|')),
});

/**
 * The components, in the order the table shows them. Where two rules match the same frame the first
 * wins (a file of services/catalog/src/records-query is SQL, not catalog); otherwise order is
 * irrelevant: the innermost matching frame decides.
 */
export const DEFAULT_RULES: Rule[] = [
  // The test runner and its helpers, when a profile is of a test worker (not in the hub's process).
  // First, so a services/audit/src/append.test.ts is not 'audit commit'.
  rule(
    'test harness',
    npm('vitest', '@vitest/*', 'tinypool', 'tinyspy', 'chai', 'fast-check', 'pure-rand'),
    repo('test/'),
    '\\.test\\.[cm]?[jt]s$',
  ),

  // Parsing, validating and executing GraphQL documents, the schema and its resolvers' plumbing.
  rule(
    'GraphQL',
    npm(
      'graphql',
      'graphql-yoga',
      '@graphql-yoga/*',
      '@graphql-tools/*',
      '@envelop/*',
      '@pothos/*',
      '@escape.tech/*',
      '@whatwg-node/*',
    ),
    repo('gateway/src/graphql/'),
  ),

  // Tokens: the caller's JWT (signature, claims, revocations, departments) and the service tokens of
  // the internal hops (jose's work is here whoever calls it).
  rule(
    'token',
    npm('jose'),
    repo('gateway/src/tokens/', 'gateway/src/http/authenticate', 'packages/platform/src/service-token'),
  ),

  // Who may read what: the access policy and the row filters it builds.
  rule('policy', repo('packages/platform/src/policy/tiers', 'packages/platform/src/policy/decision')),

  // Masking of protected fields in the answer.
  rule('masking', repo('packages/platform/src/policy/masking')),

  // Building and running queries: the drivers, the ORM, PGlite (its WASM is charged here through its
  // callers), the catalog's record query builder, the audit log's array statements and the
  // platform's database layer.
  rule(
    'SQL',
    npm('postgres', 'drizzle-orm', '@electric-sql/pglite'),
    repo('services/catalog/src/records-query', 'packages/platform/src/db', 'services/audit/src/raw-sql'),
  ),

  // The audit log's hashes: Merkle tree, canonical encoding of entries, the stored tree, and the keyed
  // hashes (HMAC) of the identifiers an entry names (keys.ts).
  rule(
    'audit hashing',
    repo('services/audit/src/merkle', 'services/audit/src/canonical', 'services/audit/src/tree-store'),
    repo('services/audit/src/keys'),
  ),

  // Appending an entry to the audit log, and the gateway's side of it (sending it, taking the acknowledgement).
  rule('audit commit', repo('services/audit/src/append', 'gateway/src/audit-recorder')),

  // The rest of the audit service: routes, search, proofs, export, checkpoints.
  rule('audit other', repo('services/audit/src/')),

  // The rest of the catalog: its face, datasets, grants, access requests, its read cache.
  rule('catalog', repo('services/catalog/src/')),

  // The HTTP servers and clients (both fastify's and node's own), routing, injection, logging.
  rule(
    'HTTP',
    npm('fastify', '@fastify/*', 'find-my-way', 'light-my-request', 'undici', 'avvio'),
    npm('pino', 'pino-std-serializers', 'sonic-boom', 'thread-stream'),
    core('_http_server', '_http_common', '_http_incoming', '_http_outgoing', '_http_client', '_http_agent', 'http'),
    core('internal/deps/undici/', 'internal/http'),
  ),
  // Sockets, TLS: HTTP when nothing above them on the stack is known (see Rule.fallback).
  {
    ...rule('HTTP', core('net', 'internal/stream_base_commons', 'internal/net', 'tls', '_tls_wrap', 'internal/tls/')),
    fallback: true,
  },

  // Checking inputs and outputs against their JSON Schemas: ajv, module faces, the contracts.
  rule('validation', npm('ajv', 'ajv-formats'), repo('packages/platform/src/module-face', 'contracts/')),
  // ajv's compiled validators (built with new Function: no URL), whoever calls them (fastify's route schemas too).
  { component: 'validation', test: /^validate\d*$/, on: 'function' },

  // Everything else of the gateway: operations, the audited wrapper, the app's hooks.
  rule('gateway other', repo('gateway/src/')),

  // The rest of the platform package: service clients, HTTP helpers, logger, keys.
  rule('platform other', repo('packages/platform/src/')),

  // Loading modules: resolving, reading and compiling files, transpiling TypeScript (start-up).
  rule(
    'module loading',
    core('internal/modules/', 'module'),
    npm('tsx', 'esbuild', 'vite', 'rolldown', 'get-tsconfig'),
  ),

  // V8's garbage collector (a frame of its own at the root of the profile).
  { component: 'GC', test: /^\(garbage collector\)$/, on: 'function' },
];

/** What no frame of a sample's stack matches: V8's '(program)' (native work outside JavaScript), or
 *  a frame a rule should know (see `--frames`). */
export const OTHER = 'other';

const IDLE = '(idle)';

// ---------------------------------------------------------------------------------------------
// Attribution

function matchFrame(frame: CallFrame, rules: Rule[], fallback: boolean): string | undefined {
  const url = frame.url.replaceAll('\\', '/');
  for (const r of rules) {
    if (!!r.fallback !== fallback) continue;
    const subject = r.on === 'function' ? (url ? '' : frame.functionName) : url;
    if (subject && r.test.test(subject)) return r.component;
  }
  return undefined;
}

/** The component of every node: its innermost matching frame, root-wards from the node itself. */
function componentsOf(profile: CpuProfile, rules: Rule[]): Map<number, string> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const result = new Map<number, string>();
  // Parents before children, iteratively (stacks can be thousands of frames deep).
  const inherited = new Map<number, { strong?: string; weak?: string }>();
  const stack = profile.nodes.filter((n) => !parent.has(n.id)).map((n) => n.id);
  while (stack.length > 0) {
    const id = stack.pop()!;
    const node = byId.get(id)!;
    const above = parent.has(id) ? inherited.get(parent.get(id)!)! : {};
    const here = {
      strong: matchFrame(node.callFrame, rules, false) ?? above.strong,
      weak: matchFrame(node.callFrame, rules, true) ?? above.weak,
    };
    inherited.set(id, here);
    result.set(id, here.strong ?? here.weak ?? OTHER);
    for (const c of node.children ?? []) stack.push(c);
  }
  return result;
}

/**
 * µs of CPU per component. Sample i is charged timeDeltas[i], the time since the sample before it
 * (DevTools charges the time until the next one instead; over thousands of samples the two agree).
 * '(idle)' samples are left out, so the components sum to the profile's non-idle time.
 */
export function attributeProfile(profile: CpuProfile, rules: Rule[] = DEFAULT_RULES): Map<string, number> {
  const components = componentsOf(profile, rules);
  const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === IDLE).map((n) => n.id));
  const totals = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    if (idle.has(id)) return;
    const component = components.get(id) ?? OTHER;
    totals.set(component, (totals.get(component) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  return totals;
}

/** µs of the samples charged to `component` (by default 'other', to find a missing rule), by the
 *  sampled (innermost) frame, as 'function url', largest first. */
export function topFrames(
  profile: CpuProfile,
  component: string = OTHER,
  rules: Rule[] = DEFAULT_RULES,
): [string, number][] {
  const components = componentsOf(profile, rules);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const frames = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const node = byId.get(id)!;
    if (components.get(id) !== component || node.callFrame.functionName === IDLE) return;
    const key = `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url}`.trim();
    frames.set(key, (frames.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  return [...frames].sort((a, b) => b[1] - a[1]);
}

/** µs per operation: every component's total over `ops`. */
export function perOperation(totals: Map<string, number>, ops: number): Map<string, number> {
  return new Map([...totals].map(([k, v]) => [k, v / ops]));
}

/**
 * The same shares, scaled to sum to `total` (say, the process's CPU per operation from
 * process.cpuUsage()). A sample covers wall-clock time the thread was not idle, so on a loaded
 * machine, where a runnable thread waits for a core, the profile's sum exceeds the CPU it used.
 */
export function scaleTo(totals: Map<string, number>, total: number): Map<string, number> {
  const sum = [...totals.values()].reduce((a, b) => a + b, 0);
  return new Map([...totals].map(([k, v]) => [k, sum > 0 ? (v * total) / sum : 0]));
}

// ---------------------------------------------------------------------------------------------
// Reading and printing

/** Every .cpuprofile in `dir` (by name), or the one file `dir` names. */
export function readProfiles(dir: string): CpuProfile[] {
  return profilePaths(dir).map((p) => JSON.parse(readFileSync(p, 'utf8')) as CpuProfile);
}

function profilePaths(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort()
    .map((f) => join(path, f));
}

/**
 * One row per component (in the rules' order; components that are zero in every column left out),
 * one column per run, and a total row. `perOp` values are printed as given (µs per operation, or
 * whatever unit the title says).
 */
export function printComponentTable(
  title: string,
  columns: { name: string; perOp: Map<string, number> }[],
  opts: { rules?: Rule[]; digits?: number } = {},
) {
  const digits = opts.digits ?? 1;
  const order = [...new Set([...(opts.rules ?? DEFAULT_RULES).map((r) => r.component), OTHER])];
  for (const c of columns) for (const k of c.perOp.keys()) if (!order.includes(k)) order.splice(-1, 0, k);
  const rows = order.filter((k) => columns.some((c) => (c.perOp.get(k) ?? 0) !== 0));
  const nameWidth = Math.max(16, ...rows.map((r) => r.length));
  const widths = columns.map((c) => Math.max(10, c.name.length));
  const cell = (v: number, i: number) => v.toFixed(digits).padStart(widths[i]);
  console.log(`\n${title}`);
  console.log(['component'.padEnd(nameWidth), ...columns.map((c, i) => c.name.padStart(widths[i]))].join(' '));
  for (const row of rows)
    console.log([row.padEnd(nameWidth), ...columns.map((c, i) => cell(c.perOp.get(row) ?? 0, i))].join(' '));
  const totals = columns.map((c) => [...c.perOp.values()].reduce((a, b) => a + b, 0));
  console.log(['total'.padEnd(nameWidth), ...totals.map(cell)].join(' '));
}

// ---------------------------------------------------------------------------------------------
// CLI

function main(args: string[]) {
  const flags = args.filter((a) => a.startsWith('--'));
  const [path, opsArg] = args.filter((a) => !a.startsWith('--'));
  const frames = flags.map((f) => /^--frames(?:=(.+))?$/.exec(f)).find(Boolean);
  if (!path || flags.length > (frames ? 1 : 0)) {
    console.error('usage: tsx bench/cpu-profile.ts <dir-or-file.cpuprofile> [ops] [--frames[=<component>]]');
    process.exit(2);
  }
  const ops = opsArg === undefined ? undefined : Number(opsArg);
  if (ops !== undefined && !(ops > 0)) throw new Error(`ops must be a positive number, not ${opsArg}`);
  const paths = profilePaths(path);
  if (paths.length === 0) throw new Error(`no .cpuprofile in ${path}`);
  const profiles = paths.map((p) => JSON.parse(readFileSync(p, 'utf8')) as CpuProfile);
  const scale = (m: Map<string, number>) => perOperation(m, ops ?? 1000);
  const totals = profiles.map((p) => attributeProfile(p));
  // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile (node --cpu-prof) -> <pid>.<thread>
  const columns = totals.map((t, i) => ({
    name: basename(paths[i]).replace(/^CPU\.\d+\.\d+\.(\d+\.\d+)\.\d+\.cpuprofile$/, '$1'),
    perOp: scale(t),
  }));
  if (columns.length > 1) {
    const all = new Map<string, number>();
    for (const t of totals) for (const [k, v] of t) all.set(k, (all.get(k) ?? 0) + v);
    columns.push({ name: 'all', perOp: scale(all) });
  }
  printComponentTable(ops ? `CPU µs per operation (${ops} operations)` : 'CPU ms in total', columns);
  if (frames) {
    const component = frames[1] ?? OTHER;
    profiles.forEach((p, i) => {
      console.log(`\n'${component}' in ${basename(paths[i])}: ${ops ? 'µs per operation' : 'ms'} by sampled frame`);
      for (const [frame, us] of topFrames(p, component).slice(0, 25))
        console.log(`${(us / (ops ?? 1000)).toFixed(1).padStart(9)}  ${frame}`);
    });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main(process.argv.slice(2));
