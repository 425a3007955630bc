#!/usr/bin/env bash
# Make sure a redis-server answers on 127.0.0.1:6379: start one if none does, installing Debian's
# redis-server first when it is missing. Idempotent.
set -euo pipefail

ping() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }
ping_any() { if command -v redis-cli >/dev/null 2>&1; then ping; else (exec 3<>/dev/tcp/127.0.0.1/6379 && printf 'PING\r\n' >&3 && head -c 5 <&3 | grep -q PONG) 2>/dev/null; fi; }

if ping_any; then echo "redis: answering on 127.0.0.1:6379"; exit 0; fi
if ! command -v redis-server >/dev/null 2>&1; then
  echo "redis: installing redis-server with apt"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends redis-server redis-tools
fi
mkdir -p /var/lib/redis /var/log/redis
redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
for _ in $(seq 1 50); do
  if ping_any; then echo "redis: started on 127.0.0.1:6379"; exit 0; fi
  sleep 0.2
done
echo "redis: could not start redis-server on 127.0.0.1:6379 (see /var/log/redis/ci.log)" >&2
exit 1
