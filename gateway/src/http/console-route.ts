// The web console (console/): the built single-page app under /console/, same origin as /graphql, and
// the few routes it needs before it holds a token: its configuration, and in development the
// department list and the dev sign-in that mints a short-lived token with the dev issuer's key.
import { randomUUID } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { AppError } from '@govshare/platform';
import type { Role } from '@govshare/contracts';
import type { GatewayDeps } from '../deps.ts';
import { listDepartments } from '../operations/datasets.ts';
import type { ConsoleSignInConfig } from './oidc-config.ts';

export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../../console/dist', import.meta.url));
/** A console session: a working hour, then sign in again. */
export const DEV_TOKEN_TTL_S = 3600;
const ROLES: readonly Role[] = ['consumer', 'steward', 'auditor', 'admin'];
const SUB = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Mints a caller token signed by the dev issuer (issuer and audience are the gateway's). */
export type DevIssuer = (claims: { sub: string; dept: string; roles: Role[]; ttlSeconds: number }) => Promise<string>;

export interface DevTokenRequest {
  dept: string;
  role: Role;
  sub: string;
}

/** Checks a dev sign-in body; the error names the field and the rule. */
export function checkDevTokenRequest(body: unknown, departments: string[]): DevTokenRequest {
  const bad = (field: string, rule: string, message: string) =>
    new AppError('BAD_USER_INPUT', `${field}: ${message}`, { field, rule });
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw bad('body', 'object', 'send a JSON object { dept, role, sub? }');
  const b = body as Record<string, unknown>;
  for (const key of Object.keys(b))
    if (!['dept', 'role', 'sub'].includes(key)) throw bad(key, 'unknown-field', 'not a field (dept, role, sub)');
  if (typeof b.dept !== 'string' || !departments.includes(b.dept))
    throw bad('dept', 'known-department', `must be a known department (${departments.join(', ')})`);
  if (typeof b.role !== 'string' || !ROLES.includes(b.role as Role))
    throw bad('role', 'known-role', `must be one of ${ROLES.join(', ')}`);
  if (b.sub !== undefined && b.sub !== '' && (typeof b.sub !== 'string' || !SUB.test(b.sub)))
    throw bad(
      'sub',
      'pattern',
      'letters, digits, dot, dash or underscore, at most 64, starting with a letter or digit',
    );
  const role = b.role as Role;
  const sub = typeof b.sub === 'string' && b.sub ? b.sub : `${b.dept.toLowerCase()}-${role}`;
  return { dept: b.dept, role, sub };
}

export interface ConsoleRouteOptions {
  /** The built console; default console/dist in this repository. */
  dir?: string;
  /** Present only when the gateway trusts the dev issuer: then the dev sign-in routes exist. */
  devIssuer?: DevIssuer;
  /** What /console/config.json says (consoleSignInConfig(env)); default: dev when devIssuer is given, else none. */
  signIn?: ConsoleSignInConfig;
}

export async function registerConsoleRoutes(app: FastifyInstance, deps: GatewayDeps, o: ConsoleRouteOptions) {
  const dir = resolve(o.dir ?? DEFAULT_CONSOLE_DIR);
  const devIssuer = o.devIssuer;
  const departmentCodes = async (requestId: string) => (await listDepartments(deps, { requestId })).map((d) => d.code);

  app.get('/', (_req, reply) => reply.redirect('/console/', 302));
  app.get('/console', (_req, reply) => reply.redirect('/console/', 302));
  app.get('/console/config.json', (_req, reply) =>
    reply.header('cache-control', 'no-store').send(o.signIn ?? { signIn: devIssuer ? 'dev' : 'none' }),
  );

  const notDev = () =>
    new AppError('NOT_FOUND', 'dev sign-in is off: this hub trusts an external issuer (GOVSHARE_JWKS_URL)');
  // Departments are listed without a token only for the dev sign-in page; a production hub does not.
  app.get('/console/departments', async (req, reply) => {
    if (!devIssuer) return reply.code(404).send(notDev().toBody());
    return { departments: await listDepartments(deps, { requestId: req.id }) };
  });
  app.post('/console/dev-token', async (req, reply) => {
    if (!devIssuer) return reply.code(404).send(notDev().toBody());
    let claims: DevTokenRequest;
    try {
      claims = checkDevTokenRequest(req.body, await departmentCodes(req.id || randomUUID()));
    } catch (err) {
      if (err instanceof AppError && err.code === 'BAD_USER_INPUT') return reply.code(400).send(err.toBody());
      throw err;
    }
    const token = await devIssuer({
      sub: claims.sub,
      dept: claims.dept,
      roles: [claims.role],
      ttlSeconds: DEV_TOKEN_TTL_S,
    });
    return reply.header('cache-control', 'no-store').send({
      token,
      ...claims,
      expiresAt: new Date(Date.now() + DEV_TOKEN_TTL_S * 1000).toISOString(),
    });
  });

  // The app's files; any other path under /console/ is a page of the app: index.html (SPA fallback).
  await app.register(fastifyStatic, { root: dir, serve: false });
  // The OIDC sign-in fetches the provider's discovery, token and revocation endpoints from the page:
  // connect-src opens the issuer's origin, and only that one.
  const connect = o.signIn?.signIn === 'oidc' ? [`connect-src 'self' ${new URL(o.signIn.oidc.issuer).origin}`] : [];
  const csp = [
    "default-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
    ...connect,
  ].join('; ');
  app.get('/console/*', (req, reply) => {
    const wanted = (req.params as { '*': string })['*'];
    const file = resolve(dir, wanted);
    const inside = relative(dir, file);
    const isFile =
      !inside.startsWith('..') && !inside.includes(`..${sep}`) && existsSync(file) && statSync(file).isFile();
    if (isFile && inside !== 'index.html') {
      // Vite names built assets by content hash: they never change under one name.
      const immutable = inside.startsWith(`assets${sep}`);
      return reply.sendFile(inside, { maxAge: immutable ? '365d' : 0, immutable });
    }
    if (!existsSync(resolve(dir, 'index.html')))
      return reply
        .code(503)
        .send(new AppError('UNAVAILABLE', 'the console is not built: `pnpm start` builds it').toBody());
    return reply
      .header('cache-control', 'no-cache')
      .header('content-security-policy', csp)
      .header('x-content-type-options', 'nosniff')
      .sendFile('index.html');
  });
}
