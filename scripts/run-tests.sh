#!/usr/bin/env bash
# Run the whole test suite (after scripts/setup.sh). Starts the services the
# tests need (a PostgreSQL cluster of our own in a temporary folder) and stops
# them again. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
export QT_QPA_PLATFORM=offscreen
export PATH="$PWD/.venv/bin:$PATH"

cleanup() { :; }
trap 'cleanup' EXIT

# A private PostgreSQL server on a Unix socket for the portal's backend tests.
if [ -z "${DM_TEST_POSTGRES_URL:-}" ] && [ -d /usr/lib/postgresql ]; then
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  PG_DIR=$(mktemp -d)
  PG_USER=$(id -un)
  RUN_AS=()
  if [ "$(id -u)" -eq 0 ]; then
    # initdb refuses to run as root: use the postgres system user.
    chown postgres "$PG_DIR"
    RUN_AS=(runuser -u postgres --)
    PG_USER=postgres
  fi
  "${RUN_AS[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U "$PG_USER" >/dev/null
  "${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
    -o "-k $PG_DIR -c listen_addresses='' -c fsync=off" start >/dev/null
  export DM_TEST_POSTGRES_URL="postgresql://$PG_USER@/postgres?host=$PG_DIR"
  cleanup() { "${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$PG_DIR"; }
fi

.venv/bin/python -m pytest "$@"
