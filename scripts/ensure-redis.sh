#!/usr/bin/env bash
# The rate-limit tests (test/rate-limits.test.ts) count in the Redis at 127.0.0.1:6379 and start
# their own redis-server on a spare port (to stop it under load). Run by `pnpm test` (and .ci/run)
# before vitest: installs Debian's redis-server when missing and we are root, and starts one when
# nothing answers on 6379; else says what to do.
set -euo pipefail
answers() { (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; }
if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing redis-server with apt-get (the rate-limit tests need it)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  else
    echo "error: the rate-limit tests need redis-server (Debian/Ubuntu: sudo apt-get install -y redis-server)." >&2
    exit 1
  fi
fi
answers && exit 0
echo "starting redis-server on 127.0.0.1:6379 (no persistence: test counters only)"
redis-server --bind 127.0.0.1 --port 6379 --save '' --appendonly no --daemonize yes >/dev/null
for _ in $(seq 1 50); do
  redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG && exit 0
  sleep 0.1
done
echo "error: redis-server did not answer on 127.0.0.1:6379" >&2
exit 1
