#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL server for the PostgreSQL store's tests.
#
#   eng/postgres.sh start [DIR]   initdb + pg_ctl start in DIR (default: a new temporary folder), on a free loopback
#                                 port, as a non-root user when run as root; prints the connection string, the value
#                                 the tests read from CODOMYRMEX_POSTGRES.
#   eng/postgres.sh stop DIR      stops the server started in DIR and deletes DIR.
#
# The server is for tests only: fsync and synchronous commit are off, and it trusts every local connection.
# It uses the PostgreSQL installed on the machine (/usr/lib/postgresql/*/bin); install it with
# `apt-get install postgresql` where it is missing.
set -euo pipefail

die() { echo "postgres.sh: $*" >&2; exit 1; }

find_bin() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then echo "$dir"; return; fi
  done
  if command -v pg_ctl >/dev/null && command -v initdb >/dev/null; then dirname "$(command -v pg_ctl)"; return; fi
  if [[ $(id -u) -eq 0 && -z "${installed:-}" ]] && command -v apt-get >/dev/null; then
    echo "postgres.sh: no PostgreSQL found; installing it with apt-get" >&2
    installed=1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2 \
      || { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2; } \
      || die "apt-get install postgresql failed"
    find_bin
    return
  fi
  die "no PostgreSQL found (looked in /usr/lib/postgresql/*/bin and PATH): apt-get install postgresql"
}

# Runs a command as the server's user: root may not run PostgreSQL, so as root it runs as 'postgres' (or 'nobody').
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u "$owner" -- "$@"
  else
    "$@"
  fi
}

pick_owner() {
  if [[ $(id -u) -ne 0 ]]; then owner=$(id -un); return; fi
  if id postgres >/dev/null 2>&1; then owner=postgres; else owner=nobody; fi
}

free_port() {
  python3 - <<'EOF' 2>/dev/null || echo $((20000 + RANDOM % 20000))
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
}

start() {
  local dir=${1:-}
  local bin; bin=$(find_bin)
  pick_owner
  if [[ -z "$dir" ]]; then dir=$(mktemp -d /tmp/codomyrmex-pg.XXXXXX); fi
  mkdir -p "$dir"
  chmod 700 "$dir"
  [[ $(id -u) -eq 0 ]] && chown "$owner" "$dir"
  local data="$dir/data"
  as_owner "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  local port attempt
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    if as_owner "$bin/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 start \
        -o "-p $port -c listen_addresses=127.0.0.1 -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
        >"$dir/pg_ctl.log" 2>&1; then
      echo "$port" >"$dir/port"
      echo "Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
      echo "postgres.sh: server in $dir (stop with: eng/postgres.sh stop $dir)" >&2
      return
    fi
  done
  cat "$dir/pg_ctl.log" "$dir/server.log" >&2 || true
  die "pg_ctl start failed"
}

stop() {
  local dir=${1:-}
  [[ -n "$dir" && -d "$dir/data" ]] || die "usage: eng/postgres.sh stop DIR (the folder start printed)"
  local bin; bin=$(find_bin)
  owner=$(stat -c %U "$dir/data")
  as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}

case "${1:-}" in
  start) start "${2:-}" ;;
  stop) stop "${2:-}" ;;
  *) die "usage: eng/postgres.sh start [DIR] | stop DIR" ;;
esac
