// Mints a development caller token signed by the dev issuer under the data dir.
//   pnpm token --dept MCA --role consumer [--role steward] [--sub alice] [--ttl 3600]
import { parseArgs } from 'node:util';
import type { Role } from '@govshare/contracts';
// Only what minting needs (env, key file, signing): the package index would load the database drivers,
// Fastify and the contracts, seconds of start-up for a command that runs in milliseconds.
import { ConfigError } from '@govshare/platform/env';
import { readGatewayEnv } from '../environment.ts';
import { loadDevIssuerKeys, mintCallerToken } from '../tokens/dev-issuer.ts';

const ROLES = ['consumer', 'steward', 'auditor', 'admin'];

async function main() {
  const { values } = parseArgs({
    options: {
      dept: { type: 'string' },
      role: { type: 'string', multiple: true },
      sub: { type: 'string' },
      ttl: { type: 'string', default: '3600' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !values.dept) {
    console.error(
      'usage: pnpm token --dept <CODE> --role <consumer|steward|auditor|admin> [--role ...] [--sub NAME] [--ttl SECONDS]',
    );
    console.error('departments in the demo data: PSB SAMR HRSS MCA NHC');
    process.exit(values.help ? 0 : 2);
  }
  const roles = (values.role?.length ? values.role : ['consumer']).flatMap((r) => r.split(','));
  const bad = roles.filter((r) => !ROLES.includes(r));
  if (bad.length) throw new Error(`--role: unknown role ${bad.join(', ')} (use ${ROLES.join(', ')})`);
  if (!/^[A-Z][A-Z0-9_]{1,15}$/.test(values.dept)) throw new Error('--dept: must be a department code such as HRSS');
  const ttl = Number(values.ttl);
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > 86400 * 30) throw new Error('--ttl: seconds between 1 and 2592000');
  const env = readGatewayEnv();
  if (ttl > env.GOVSHARE_JWT_MAX_LIFETIME)
    throw new Error(
      `--ttl: the gateway refuses tokens living longer than GOVSHARE_JWT_MAX_LIFETIME (${env.GOVSHARE_JWT_MAX_LIFETIME} s)`,
    );
  if (env.GOVSHARE_JWKS_URL)
    throw new Error('GOVSHARE_JWKS_URL is set: tokens come from your external issuer, not this dev CLI');
  const keys = await loadDevIssuerKeys(env.GOVSHARE_DATA_DIR);
  const token = await mintCallerToken(keys.privateJwk, {
    sub: values.sub ?? `${values.dept.toLowerCase()}-${roles[0]}`,
    dept: values.dept,
    roles: roles as Role[],
    issuer: env.GOVSHARE_JWT_ISSUER,
    audience: env.GOVSHARE_JWT_AUDIENCE,
    ttlSeconds: ttl,
  });
  process.stdout.write(token + '\n');
}

main().catch((err) => {
  console.error(`token: ${err instanceof ConfigError ? err.message : (err as Error).message}`);
  process.exit(2);
});
