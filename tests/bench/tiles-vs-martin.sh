#!/usr/bin/env bash
# Side by side, one run: wangge vs martin 1.14.0 serving the compounds of the same PostGIS data.
#  - loads DATA (a wangge GeoPackage; default: the demo) into a throwaway PostGIS with `wangge migrate`;
#  - martin serves the `compounds` table; wangge serves the same database (--database-url);
#  - every z12–z16 tile over the data is requested from each, twice: cold (fresh servers) and warm;
#  - then wrk for DURATION s at 64 connections over the same list (cached);
#  - then point lookups: wangge's R-tree vs ST_Covers over GiST through tokio-postgres.
# Prints tiles/s for each and the ratio wangge/martin.
#
# Usage: tests/bench/tiles-vs-martin.sh [DATA.gpkg] [NAME]
# Needs: martin 1.14.0 (installed by this script if missing:
#   cargo install martin@1.14.0 --locked --no-default-features --features postgres), wrk, PostgreSQL 15 + PostGIS 3.
set -euo pipefail
cd "$(dirname "$0")/../.."
target=${CARGO_TARGET_DIR:-$HOME/.cache/wangge/target}
bin=${WANGGE_BIN:-$target/release/wangge}
martin=${MARTIN_BIN:-$(command -v martin || echo "$HOME/.cache/wangge/martin/bin/martin")}
if [ ! -x "$martin" ]; then
  cargo install martin@1.14.0 --locked --no-default-features --features postgres --root "$HOME/.cache/wangge/martin"
  martin=$HOME/.cache/wangge/martin/bin/martin
fi
[ -n "${WANGGE_BIN:-}" ] || cargo build -q --release --bin wangge
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
work=$(mktemp -d)
# The cluster's folder must be reachable by the postgres user when running as root.
pgdir=$(mktemp -d /tmp/wangge-pg.XXXXXX)
chmod 755 "$pgdir"
cleanup() {
  kill "${pids[@]}" 2>/dev/null || true
  tests/bench/pg-cluster.sh stop "$pgdir/cluster"
  rm -rf "$work" "$pgdir"
}
pids=()
trap cleanup EXIT
name=${2:-demo}
data=${1:-$work/demo.gpkg}
[ -f "$data" ] || "$bin" demo --db "$data" --no-serve 2>/dev/null
eval "$(tests/bench/pg-cluster.sh start "$pgdir/cluster")"
"$bin" migrate --from "$data" --database-url "$DATABASE_URL" >/dev/null 2>"$work/migrate.log"

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
start_servers() {
  wport=$(port); mport=$(port)
  "$bin" serve --database-url "$DATABASE_URL" --addr "127.0.0.1:$wport" --tile-cache 200000 >"$work/wangge.log" 2>&1 &
  pids+=($!)
  "$martin" --listen-addresses "127.0.0.1:$mport" --auto-bounds skip "$DATABASE_URL" >"$work/martin.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 300); do
    curl -sf "http://127.0.0.1:$wport/health" >/dev/null && curl -sf "http://127.0.0.1:$mport/catalog" >/dev/null && return
    sleep 0.1
  done
  echo "servers did not start; see $work/*.log" >&2; cat "$work/martin.log" >&2; exit 1
}
stop_servers() { kill "${pids[@]}" 2>/dev/null || true; wait "${pids[@]}" 2>/dev/null || true; pids=(); }

start_servers
martin_source=$(curl -sf "http://127.0.0.1:$mport/catalog" | python3 -c '
import json, sys
tiles = json.load(sys.stdin)["tiles"]
print(next(k for k in tiles if k == "compounds" or k.endswith(".compounds") or "compounds" in k))')
# Every tile of z12–z16 over the compounds.
curl -sf "http://127.0.0.1:$wport/tiles/compounds.json" | python3 -c '
import json, math, sys
b = json.load(sys.stdin)["bounds"]
def tile(lon, lat, z):
    n = 2 ** z
    return (min(max(int((lon + 180) / 360 * n), 0), n - 1),
            min(max(int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n), 0), n - 1))
for z in range(12, 17):
    x0, y1 = tile(b[0], b[1], z); x1, y0 = tile(b[2], b[3], z)
    for x in range(x0, x1 + 1):
        for y in range(y0, y1 + 1):
            print(z, x, y)' >"$work/tiles.txt"
count=$(wc -l <"$work/tiles.txt")

# One pass over the list with 16 concurrent keep-alive clients; prints tiles/s.
pass() { # URL-PREFIX URL-SUFFIX
  python3 - "$1" "$2" "$work/tiles.txt" <<'PY'
import http.client, sys, threading, time, urllib.parse
prefix, suffix, path = sys.argv[1], sys.argv[2], sys.argv[3]
tiles = [line.split() for line in open(path)]
u = urllib.parse.urlparse(prefix)
lock, index, errors, sizes = threading.Lock(), [0], [0], [0]
def work():
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    while True:
        with lock:
            i = index[0]; index[0] += 1
        if i >= len(tiles): return
        z, x, y = tiles[i]
        c.request("GET", f"{u.path}/{z}/{x}/{y}{suffix}", headers={"Accept-Encoding": "gzip"})
        r = c.getresponse(); body = r.read()
        with lock:
            sizes[0] += len(body)
            if r.status not in (200, 204): errors[0] += 1
t = time.perf_counter()
threads = [threading.Thread(target=work) for _ in range(16)]
[th.start() for th in threads]; [th.join() for th in threads]
dt = time.perf_counter() - t
print(f"{len(tiles)/dt:.0f} {errors[0]} {sizes[0]}")
PY
}
read -r w_cold w_err w_bytes <<<"$(pass "http://127.0.0.1:$wport/tiles/compounds" .mvt)"
read -r m_cold m_err m_bytes <<<"$(pass "http://127.0.0.1:$mport/$martin_source" "")"
read -r w_warm _ _ <<<"$(pass "http://127.0.0.1:$wport/tiles/compounds" .mvt)"
read -r m_warm _ _ <<<"$(pass "http://127.0.0.1:$mport/$martin_source" "")"

wrk_rate() { # PREFIX SUFFIX
  cat >"$work/list.lua" <<LUA
local paths = {}
for line in io.lines("$work/tiles.txt") do
  local z, x, y = line:match("(%d+) (%d+) (%d+)")
  paths[#paths + 1] = "$1/" .. z .. "/" .. x .. "/" .. y .. "$2"
end
local i = 0
request = function() i = i % #paths + 1; return wrk.format("GET", paths[i], { ["Accept-Encoding"] = "gzip" }) end
done = function(s, l, r) io.write(string.format("RATE %.0f %d %.2f\n", s.requests / (s.duration / 1e6), s.errors.status + s.errors.connect + s.errors.read + s.errors.timeout, l:percentile(99) / 1000)) end
LUA
  wrk -t2 -c64 -d"${DURATION:-15}s" -s "$work/list.lua" "http://127.0.0.1:$3" | awk '/^RATE/ {print $2, $3, $4}'
}
read -r w_wrk w_wrk_err w_p99 <<<"$(wrk_rate /tiles/compounds .mvt "$wport")"
read -r m_wrk m_wrk_err m_p99 <<<"$(wrk_rate "/$martin_source" "" "$mport")"
stop_servers

ratio() { python3 -c "print(f'{$1 / $2:.1f}x' if $2 else 'n/a')"; }
echo "== $name: $count tiles z12-z16 of layer compounds, same PostGIS data =="
printf "%-34s %12s %12s %8s\n" "" wangge martin ratio
printf "%-34s %12s %12s %8s\n" "cold pass, 16 clients (tiles/s)" "$w_cold" "$m_cold" "$(ratio "$w_cold" "$m_cold")"
printf "%-34s %12s %12s %8s\n" "warm pass, 16 clients (tiles/s)" "$w_warm" "$m_warm" "$(ratio "$w_warm" "$m_warm")"
printf "%-34s %12s %12s %8s\n" "wrk 64 conns, cached (req/s)" "$w_wrk" "$m_wrk" "$(ratio "$w_wrk" "$m_wrk")"
printf "%-34s %12s %12s\n" "wrk p99 (ms)" "$w_p99" "$m_p99"
printf "%-34s %12s %12s\n" "errors (cold pass / wrk)" "$w_err/$w_wrk_err" "$m_err/$m_wrk_err"
printf "%-34s %12s %12s\n" "bytes in one pass (gzip)" "$w_bytes" "$m_bytes"
echo "== point lookups: R-tree in memory vs ST_Covers over GiST (tokio-postgres) =="
WANGGE_LOOKUP_DATA="$data" cargo bench -q -p wangge-store-postgis --bench lookups 2>&1 | grep -E "lookups|ratio|panicked"
