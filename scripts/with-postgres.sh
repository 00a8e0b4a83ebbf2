#!/usr/bin/env bash
# Runs a command with TEST_DATABASE_URL pointing at a PostgreSQL database.
#
#   scripts/with-postgres.sh go test -race -count=1 ./...
#
# - TEST_DATABASE_URL already set: runs the command as is (your own server).
# - SKIP_POSTGRES=1: runs the command without PostgreSQL; the PostgreSQL tests
#   skip and say so (without this, they fail when TEST_DATABASE_URL is unset).
# - otherwise: starts a throwaway PostgreSQL from the server binaries of the
#   `postgresql` package (Debian: /usr/lib/postgresql/<version>/bin; override
#   with PG_BIN=/path/to/bin) in a temporary directory, listening only on
#   127.0.0.1 on a free port and on a unix socket inside that directory, creates
#   a database, runs the command, then stops the server and deletes everything,
#   exiting with the command's exit code.
#
# initdb and postgres refuse to run as root, so as root the server runs as the
# unprivileged user PG_USER (default: nobody) via runuser or setpriv.
# Cleanup runs when the command ends, also after Ctrl-C (which reaches the
# command and this script alike); a signal sent to this script alone takes
# effect once the command has finished.
# The server runs with fsync off: it is disposable, and the tests exercise
# application-level durability (killing our server, not PostgreSQL).
set -euo pipefail

log() { echo "with-postgres: $*" >&2; }

if [ $# -eq 0 ]; then
  echo "usage: $0 <command> [args...]" >&2
  exit 2
fi

if [ -n "${TEST_DATABASE_URL:-}" ]; then
  log "using the PostgreSQL in TEST_DATABASE_URL"
  exec "$@"
fi

if [ "${SKIP_POSTGRES:-}" = "1" ]; then
  log "SKIP_POSTGRES=1: no PostgreSQL; PostgreSQL tests will be SKIPPED"
  exec "$@"
fi

find_bindir() {
  if [ -n "${PG_BIN:-}" ]; then
    echo "$PG_BIN"
    return
  fi
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$d" ] && [ -x "$d/initdb" ]; then
    echo "$d"
    return
  fi
  if command -v initdb >/dev/null 2>&1; then
    dirname "$(command -v initdb)"
    return
  fi
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
    pg_config --bindir
  fi
}

BIN=$(find_bindir)
if [ -z "$BIN" ] || [ ! -x "$BIN/initdb" ] || [ ! -x "$BIN/pg_ctl" ]; then
  log "PostgreSQL server binaries (initdb, pg_ctl) not found."
  log "Install them (Debian/Ubuntu: apt-get install postgresql), set PG_BIN=/dir/with/initdb,"
  log "point TEST_DATABASE_URL at a database you own, or run with SKIP_POSTGRES=1."
  exit 1
fi

# as_pg runs a command as the user that owns the cluster.
if [ "$(id -u)" -eq 0 ]; then
  PG_USER=${PG_USER:-nobody}
  if ! id "$PG_USER" >/dev/null 2>&1; then
    log "running as root, and user $PG_USER (PG_USER) does not exist to run PostgreSQL"
    exit 1
  fi
  if command -v runuser >/dev/null 2>&1; then
    as_pg() { runuser -u "$PG_USER" -- "$@"; }
  elif command -v setpriv >/dev/null 2>&1; then
    as_pg() { setpriv --reuid="$PG_USER" --regid="$(id -g "$PG_USER")" --clear-groups -- "$@"; }
  else
    log "running as root needs runuser or setpriv (util-linux) to start PostgreSQL as $PG_USER"
    exit 1
  fi
else
  PG_USER=$(id -un)
  as_pg() { "$@"; }
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/hanko-gin-pg.XXXXXX")
DATA=$TMP/data
SOCK=$TMP/sock
PGLOG=$TMP/postgres.log
started=""

cleanup() {
  local rc=$?
  if [ -n "$started" ]; then
    as_pg "$BIN/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null 2>&1 || log "could not stop PostgreSQL (data in $TMP)"
  fi
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

mkdir -p "$SOCK"
if [ "$(id -u)" -eq 0 ]; then
  chown -R "$PG_USER": "$TMP"
  if ! as_pg test -w "$TMP"; then
    log "user $PG_USER cannot use $TMP (is a parent directory private?); try TMPDIR=/tmp"
    exit 1
  fi
fi

if ! as_pg "$BIN/initdb" -D "$DATA" -U postgres --auth=trust --no-locale -E UTF8 --no-sync >"$TMP/initdb.log" 2>&1; then
  log "initdb failed:"
  cat "$TMP/initdb.log" >&2
  exit 1
fi

# Pick a free port: probe with bash's /dev/tcp, and retry if another process
# takes it between the probe and the server's bind.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for attempt in 1 2 3 4 5 6 7 8 9 10; do
  PORT=$((20000 + RANDOM % 40000))
  if port_in_use "$PORT"; then
    continue
  fi
  if as_pg "$BIN/pg_ctl" -D "$DATA" -l "$PGLOG" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $SOCK -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null 2>&1; then
    started=1
    break
  fi
  # A failed start may still have left a postmaster behind in rare cases.
  as_pg "$BIN/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null 2>&1 || true
done
if [ -z "$started" ]; then
  log "PostgreSQL did not start; its log:"
  cat "$PGLOG" >&2 2>/dev/null || true
  exit 1
fi

DB=hanko_gin_test
if ! "$BIN/psql" -X -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 \
  -c "CREATE DATABASE $DB" >/dev/null; then
  log "could not create database $DB"
  exit 1
fi

export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/$DB?sslmode=disable"
log "$("$BIN/postgres" --version | sed "s/^postgres (PostgreSQL) /PostgreSQL /") on 127.0.0.1:$PORT (as $PG_USER), TEST_DATABASE_URL=$TEST_DATABASE_URL"

set +e
"$@"
rc=$?
set -e
exit "$rc"
