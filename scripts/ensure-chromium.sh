#!/usr/bin/env bash
# The console's browser tests drive Debian's chromium (test/console/browser.ts). Run by `pnpm test`
# before vitest: installs it with apt-get when it is missing and we are root, else says what to do.
set -euo pipefail
chromium_path="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ -x "$chromium_path" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "chromium is missing: installing it with apt-get (the console's browser tests need it)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  [ -x "$chromium_path" ] && exit 0
fi
echo "error: the console's browser tests need chromium at $chromium_path." >&2
echo "  install it (Debian/Ubuntu: sudo apt-get install -y chromium), or set CHROMIUM_PATH to a chromium binary." >&2
exit 1
