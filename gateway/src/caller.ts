import type { Role } from '@govshare/contracts';

/** Who is calling, as established by a verified token. */
export interface Caller {
  sub: string;
  dept: string;
  roles: Role[];
  jti: string;
}
