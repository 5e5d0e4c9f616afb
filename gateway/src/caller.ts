import type { Role } from '@govshare/contracts';
import { hasRole as policyHasRole } from '@govshare/platform/policy';

/** Who is calling, as established by a verified token. */
export interface Caller {
  sub: string;
  dept: string;
  roles: Role[];
  jti: string;
}

export const hasRole = (caller: Caller, ...roles: Role[]): boolean => policyHasRole(caller, ...roles);
