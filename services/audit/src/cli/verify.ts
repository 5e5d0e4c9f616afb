// Verifies an audit export offline:
//   tsx services/audit/src/cli/verify.ts export.ndjson --public-key jwks.json [--previous checkpoint.json]
// export.ndjson  from the gateway's GET /audit/export (the face's exportLog);  jwks.json from the
// gateway's GET /.well-known/audit-checkpoint-jwks.json (publicKeys: current and retired keys; or one JWK);
// checkpoint.json  an earlier checkpoint (latestCheckpoint, GraphQL auditCheckpoint) you kept (optional).
// Exit 0 when everything checks; 1 with the first problem (and the first bad seq when known).
import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { verifyExport } from '../verify-export.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'public-key': { type: 'string' },
    previous: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const file = positionals[0];
if (!file || !values['public-key']) {
  console.error('usage: verify.ts export.ndjson --public-key jwks.json [--previous checkpoint.json] [--json]');
  process.exit(2);
}
const keyDoc = JSON.parse(readFileSync(values['public-key'], 'utf8'));
const keys = Array.isArray(keyDoc.keys) ? keyDoc.keys : [keyDoc];
const previous = values.previous ? JSON.parse(readFileSync(values.previous, 'utf8')) : undefined;
const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
const report = await verifyExport(lines, keys, previous);
if (values.json) console.log(JSON.stringify(report, null, 2));
else if (report.ok) {
  console.log(
    `OK: ${report.leaves} events (seq ${report.fromSeq}..${report.toSeq}) match the signed checkpoint of tree size ${report.treeSize} (root ${report.rootHash}); ${report.checkpointsVerified} checkpoint signature(s) verified${previous ? '; consistent with the previous checkpoint' : ''}.`,
  );
} else {
  console.log(`FAILED${report.firstBadSeq !== undefined ? ` at seq ${report.firstBadSeq}` : ''}: ${report.error}`);
}
process.exit(report.ok ? 0 : 1);
