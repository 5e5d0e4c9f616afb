#!/usr/bin/env bash
# The Postgres failover test (test/postgres-failover.test.ts) starts its own primary and standby
# clusters with initdb, pg_ctl and pg_basebackup. Run by `pnpm test` (and .ci/run) before vitest:
# installs Debian's server package when they are missing and we are root, else says what to do.
set -euo pipefail
has_binaries() {
  local dir
  for dir in ${PG_BIN:-} /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/pg_basebackup" ] && return 0
  done
  return 1
}
has_binaries && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq
  # Debian 12 ships postgresql-15; elsewhere the `postgresql` metapackage names the supported version.
  package=postgresql
  apt-cache show postgresql-15 >/dev/null 2>&1 && package=postgresql-15
  echo "installing $package with apt-get (the Postgres failover test needs initdb, pg_ctl, pg_basebackup)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null
  has_binaries && exit 0
fi
echo "error: the Postgres failover test needs initdb, pg_ctl and pg_basebackup (in /usr/lib/postgresql/<version>/bin or PG_BIN)." >&2
echo "  install them (Debian/Ubuntu: sudo apt-get install -y postgresql-15), or set PG_BIN to their directory." >&2
exit 1
