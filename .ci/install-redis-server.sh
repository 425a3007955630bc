#!/usr/bin/env bash
# Make sure redis-server and redis-cli are installed (Debian's redis-server and redis-tools via
# apt-get when missing). Idempotent. Needs root (or sudo) only when it has to install.
# The test suite starts its own redis-server on a free port (test/support/global-redis.ts); it
# needs only the executable. `--serve PORT` also starts a server on 127.0.0.1:PORT when nothing
# answers there (the benchmarks in bench/ use 127.0.0.1:6379).
set -euo pipefail

serve=""
if [ "${1:-}" = "--serve" ]; then serve="${2:?--serve needs a port}"; fi

if command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; then
  echo "redis-server already installed: $(redis-server --version | head -n 1)"
else
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
      echo "install-redis-server: need root (or sudo) to apt-get install redis-server" >&2
      exit 1
    fi
  fi
  echo "redis: installing redis-server with apt"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends redis-server redis-tools
  redis-server --version | head -n 1
fi

[ -n "$serve" ] || exit 0
ping() { redis-cli -h 127.0.0.1 -p "$serve" ping 2>/dev/null | grep -q PONG; }
if ping; then echo "redis: answering on 127.0.0.1:$serve"; exit 0; fi
dir="$(mktemp -d "${TMPDIR:-/tmp}/celeriac-redis-$serve-XXXXXX")"
redis-server --daemonize yes --bind 127.0.0.1 --port "$serve" --save "" --appendonly no --dir "$dir" --logfile "$dir/redis.log"
for _ in $(seq 1 50); do
  if ping; then echo "redis: started on 127.0.0.1:$serve ($dir)"; exit 0; fi
  sleep 0.2
done
echo "redis: could not start redis-server on 127.0.0.1:$serve (see $dir/redis.log)" >&2
exit 1
