import { join } from 'node:path';
import { loadOrCreateKeyPair, type KeyPairJwk } from './service-token.ts';

// Re-exported so that a key loader (the token CLI) can import this module alone, not the package index.
export { loadOrCreateKeyPair, type KeyPairJwk };

/**
 * Dev-mode key files under the data dir. The service-signing key pairs (the gateway's, and the quality
 * service's for its catalog reads) are created by whoever starts first (the start script does it
 * before spawning services); the called services only use their public halves. In production each
 * process would be given only its own private key.
 */
export function keyFile(dataDir: string, name: string): string {
  return join(dataDir, 'keys', `${name}.jwk.json`);
}

export function loadServiceSigningKeys(dataDir: string): Promise<KeyPairJwk> {
  return loadOrCreateKeyPair(keyFile(dataDir, 'service-signing'), 'govshare-service-1');
}

/** The quality service's own key for its (read-only) calls to the catalog. */
export function loadQualitySigningKeys(dataDir: string): Promise<KeyPairJwk> {
  return loadOrCreateKeyPair(keyFile(dataDir, 'quality-signing'), 'govshare-quality-1');
}
