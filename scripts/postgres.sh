#!/usr/bin/env bash
# A throwaway PostgreSQL server on loopback for the tests.
#   scripts/postgres.sh start       -> prints the SQLAlchemy URL of a fresh database, then its DIR
#   scripts/postgres.sh stop DIR
# Installs Debian's postgresql package first if its server is missing (as root, where allowed).
set -euo pipefail
cmd=$1 dir=${2:-}
if ! command -v pg_config >/dev/null || [ ! -x "$(pg_config --bindir)/initdb" ]; then
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq postgresql; } >&2
fi
bin=$(pg_config --bindir)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case $cmd in
  start)
    port=${PGPORT:-$((20000 + RANDOM % 20000))}
    dir=$(mktemp -d /tmp/nas-notebook-pg.XXXXXX)  # under /tmp: the postgres user must reach it
    if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$dir"; fi
    as_pg "$bin/initdb" -D "$dir" -U postgres -A trust -E UTF8 --no-sync >/dev/null
    as_pg "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=200" start >&2
    as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres nas_notebook_test
    echo "postgresql+psycopg://postgres@127.0.0.1:$port/nas_notebook_test"
    echo "$dir"
    ;;
  stop)
    as_pg "$bin/pg_ctl" -D "$dir" -m fast -w stop >&2 || true
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start | $0 stop DIR" >&2; exit 2 ;;
esac
