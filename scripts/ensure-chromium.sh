#!/usr/bin/env bash
# The console's browser tests drive Debian's chromium (test/console/browser.ts), and its pages are in
# Chinese by default: without a CJK font the screenshots show empty boxes. Run by `pnpm test` (and
# .ci/run) before vitest: installs what is missing with apt-get when we are root, else says what to do.
set -euo pipefail
chromium_path="${CHROMIUM_PATH:-/usr/bin/chromium}"
missing=()
[ -x "$chromium_path" ] || missing+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing ${missing[*]} with apt-get (the console's browser tests need them)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  [ -x "$chromium_path" ] && exit 0
fi
if [ ! -x "$chromium_path" ]; then
  echo "error: the console's browser tests need chromium at $chromium_path." >&2
  echo "  install it (Debian/Ubuntu: sudo apt-get install -y chromium), or set CHROMIUM_PATH to a chromium binary." >&2
  exit 1
fi
# chromium is there: a missing font only spoils the screenshots.
echo "warning: fonts-noto-cjk is missing: Chinese text in screenshots shows as boxes" >&2
