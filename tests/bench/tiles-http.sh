#!/usr/bin/env bash
# HTTP throughput of wangge's tile endpoint, measured with wrk (Debian) from a second process:
#  1. cold: every z12–z16 tile over the data once, through a fresh server (each tile encoded);
#  2. cached: wrk for DURATION seconds at CONNECTIONS connections over the same tile list.
#
# Usage: tests/bench/tiles-http.sh [DB] [LAYER]    (default: a fresh demo database, layer all)
# Env:   DURATION (default 20), CONNECTIONS (default 64), THREADS (default 2), TILE_CACHE
#        (default 100000 tiles), WANGGE_BIN.
set -euo pipefail
cd "$(dirname "$0")/../.."
target=${CARGO_TARGET_DIR:-$HOME/.cache/wangge/target}
bin=${WANGGE_BIN:-$target/release/wangge}
[ -n "${WANGGE_BIN:-}" ] || cargo build -q --release --bin wangge
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
db=${1:-$work/demo.gpkg}
layer=${2:-all}
[ -f "$db" ] || "$bin" demo --db "$db" --no-serve
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" serve --db "$db" --addr "127.0.0.1:$port" --tile-cache "${TILE_CACHE:-100000}" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done

# Every tile of z12–z16 over the data's extent.
curl -sf "http://127.0.0.1:$port/tiles/$layer.json" | python3 -c '
import json, math, sys
b = json.load(sys.stdin)["bounds"]
def tile(lon, lat, z):
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)
for z in range(12, 17):
    x0, y1 = tile(b[0], b[1], z)
    x1, y0 = tile(b[2], b[3], z)
    for x in range(x0, x1 + 1):
        for y in range(y0, y1 + 1):
            print(f"/tiles/'"$layer"'/{z}/{x}/{y}.mvt")
' >"$work/paths.txt"
count=$(wc -l <"$work/paths.txt")

# Cold: one request per tile, in one process, with keep-alive.
start=$(date +%s.%N)
sed "s|.*|url = \"http://127.0.0.1:$port&\"\noutput = \"/dev/null\"|" "$work/paths.txt" >"$work/curl.conf"
curl -s -K "$work/curl.conf" -H 'Accept-Encoding: gzip'
end=$(date +%s.%N)
cold=$(python3 -c "print(f'{$count / ($end - $start):.0f}')")
echo "cold: $count tiles (z12-z16, layer $layer) in $(python3 -c "print(f'{$end - $start:.2f}')") s = $cold tiles/s (curl, one connection)"

# Cached: wrk cycling through the same list.
cat >"$work/tiles.lua" <<LUA
local paths = {}
for line in io.lines("$work/paths.txt") do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i], { ["Accept-Encoding"] = "gzip" })
end
done = function(summary, latency, requests)
  io.write(string.format("non-2xx/3xx or errors: %d\n", summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
  io.write(string.format("p50 %.2f ms, p99 %.2f ms\n", latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
LUA
wrk -t"${THREADS:-2}" -c"${CONNECTIONS:-64}" -d"${DURATION:-20}s" -s "$work/tiles.lua" "http://127.0.0.1:$port" | sed 's/^/cached: /'
curl -sf "http://127.0.0.1:$port/health" | python3 -c 'import json,sys; print("cache:", json.load(sys.stdin)["tile_cache"])'
