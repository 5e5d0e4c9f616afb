import { join } from 'node:path';
import { loadOrCreateKeyPair, type KeyPairJwk } from './service-token.ts';

/**
 * Dev-mode key files under the data dir. The gateway's service-signing key pair is created by
 * whoever starts first (the start script does it before spawning services); internal services only
 * ever read its public half.
 */
export function keyFile(dataDir: string, name: string): string {
  return join(dataDir, 'keys', `${name}.jwk.json`);
}

export function loadServiceSigningKeys(dataDir: string): Promise<KeyPairJwk> {
  return loadOrCreateKeyPair(keyFile(dataDir, 'service-signing'), 'govshare-service-1');
}
