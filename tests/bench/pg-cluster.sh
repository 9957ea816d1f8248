#!/usr/bin/env bash
# A throwaway PostgreSQL 15 + PostGIS cluster for benchmarks and manual trials.
#   eval "$(tests/bench/pg-cluster.sh start DIR)"   # exports DATABASE_URL and PGCLUSTER_DIR
#   tests/bench/pg-cluster.sh stop DIR
# initdb refuses to run as root, so as root the cluster belongs to the postgres user, and DIR's
# parent must be one that user can enter (e.g. a folder under /tmp with mode 755).
set -euo pipefail
bin=/usr/lib/postgresql/15/bin
cmd=${1:?start or stop}
dir=${2:?a directory for the cluster}
as_owner() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case "$cmd" in
  start)
    [ -x "$bin/initdb" ] || { echo "PostgreSQL 15 is missing: apt-get install postgresql-15 postgresql-15-postgis-3" >&2; exit 1; }
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust >"$dir/initdb.log" 2>&1
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c shared_buffers=256MB -c fsync=off" start >/dev/null
    as_owner "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE EXTENSION IF NOT EXISTS postgis" >/dev/null
    echo "export DATABASE_URL=postgres://postgres@127.0.0.1:$port/postgres PGCLUSTER_DIR=$dir"
    ;;
  stop)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
