// The contracts, each described once with TypeBox: the TypeScript types (types.ts, via Static), the
// schemas ajv validates (schemas.ts) and the files in contracts/schemas (write-schemas.ts) all come
// from these definitions.
import { accessRequest } from './access-request.ts';
import { auditApi } from './audit-api.ts';
import { auditEvent } from './audit-event.ts';
import type { ContractFile } from './build.ts';
import { common } from './common.ts';
import { dataset } from './dataset.ts';
import { department } from './department.ts';
import { grant } from './grant.ts';
import { qualityApi } from './quality-api.ts';
import { records } from './records.ts';
import { sandbox } from './sandbox.ts';

export * from './access-request.ts';
export * from './audit-api.ts';
export * from './audit-event.ts';
export * from './common.ts';
export * from './dataset.ts';
export * from './department.ts';
export * from './grant.ts';
export * from './quality-api.ts';
export * from './records.ts';
export * from './sandbox.ts';
export { CONTRACTS_BASE, printContract, type ContractFile } from './build.ts';

/** Every contract file, by name (e.g. `grant.v1.json`). */
export const contractFiles: readonly ContractFile[] = [
  accessRequest,
  auditApi,
  auditEvent,
  common,
  dataset,
  department,
  grant,
  qualityApi,
  records,
  sandbox,
];
