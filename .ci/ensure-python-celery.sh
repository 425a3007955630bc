#!/bin/sh
# Ensure Debian's Python Celery and redis-py are importable by /usr/bin/python3, for the
# Celery interop test (test/backend/celery-interop.test.ts). The machine's default `python3`
# may be a pyenv build without these packages, so the system interpreter is used explicitly.
# Idempotent: does nothing when both modules already import. Needs root (or sudo) for apt-get.
set -eu

PY=/usr/bin/python3

if [ -x "$PY" ] && "$PY" -c 'import celery, redis' >/dev/null 2>&1; then
  echo "python3-celery and python3-redis already installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "ensure-python-celery: need root (or sudo) to apt-get install python3-celery python3-redis" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends python3-celery python3-redis

"$PY" -c 'import celery, redis; print("celery", celery.__version__, "redis-py", redis.__version__)'
