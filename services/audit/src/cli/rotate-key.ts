// Replaces the audit service's checkpoint signing key (run it with the service stopped, then start it):
//   npx -y pnpm@10 audit:rotate-key            (the data dir is GOVSHARE_DATA_DIR, default data/)
// The old public key stays published (the face's publicKeys) as a retired key, so every checkpoint it signed
// still verifies; new checkpoints name the new key by its kid.
import { loadAuditEnv } from '../environment.ts';
import { rotateCheckpointKey } from '../keys.ts';

const { GOVSHARE_DATA_DIR: dataDir } = loadAuditEnv();
try {
  const { retiredKid, currentKid } = await rotateCheckpointKey(dataDir);
  console.log(
    `audit checkpoint key rotated in ${dataDir}/keys: ${retiredKid} retired (still published), ${currentKid} signs from the next start`,
  );
} catch (err) {
  console.error(`audit:rotate-key: ${(err as Error).message}`);
  process.exit(1);
}
