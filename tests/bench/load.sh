#!/usr/bin/env bash
# Load: wrk (Debian) against a release `wangge serve` of the demo, signed in as an admin (bearer
# token), for LOAD_SECONDS per scenario at 64 connections:
#   cached tiles    every z12–z16 tile of layer `all` over the demo, asked once before (warm);
#   uncached tiles  the same list from a second server started with `--tile-cache 0`, which keeps
#                   no tile, so every request encodes its tile;
#   JSON API        a rotation of reads: compounds by box, compound and zone details, zone
#                   summaries, the due list (read from the store), problems, chiefs, stats.
# Prints a markdown table (requests/s, p50, p99, max, errors) and exits non-zero on any error:
# an answer that is not 2xx, a socket error, or an answer slower than WRK_TIMEOUT (wrk's timeout).
#
# Usage: tests/bench/load.sh
# Env:   LOAD_SECONDS (default 60), CONNECTIONS (64), THREADS (2), WRK_TIMEOUT (5 s), WANGGE_BIN
#        (a built binary; otherwise the release binary is built).
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/bench/load-lib.sh
seconds=${LOAD_SECONDS:-60}
need_tools
build_release
work=$(mktemp -d)
trap 'stop_servers; rm -rf "$work"' EXIT

make_demo
start_server cached --tile-cache 100000
cached=$port
start_server uncached --tile-cache 0
uncached=$port
token=$(sign_in "$cached")
write_lua
tile_paths "$cached" 12 16 >"$work/tiles.txt"
api_paths "$cached" >"$work/api.txt"
echo "demo: $(wc -l <"$work/tiles.txt") tiles (z12–z16, layer all), $(wc -l <"$work/api.txt") API paths; ${seconds} s per scenario, ${CONNECTIONS:-64} connections" >&2

warm "$cached" "$work/tiles.txt"
read -r _ _ misses_before < <(cache_stats "$cached")
run_wrk cached-tiles "$cached" "$work/tiles.txt" "$seconds"
read -r entries hits misses < <(cache_stats "$cached")
[ "$misses" -eq "$misses_before" ] \
  || echo "note: $((misses - misses_before)) cached-tile requests missed the cache" >&2
echo "cached server: $entries tiles held, $hits hits" >&2

run_wrk uncached-tiles "$uncached" "$work/tiles.txt" "$seconds"
read -r entries hits misses < <(cache_stats "$uncached")
echo "uncached server: $entries tiles held, $hits hits, $misses encoded" >&2
if [ "$entries" -ne 0 ] || [ "$hits" -ne 0 ]; then
  echo "the server started with --tile-cache 0 kept tiles: the uncached figures are not uncached" >&2
  exit 1
fi

run_wrk json-api "$cached" "$work/api.txt" "$seconds"

failed=0
echo
echo "| scenario | requests/s | p50 | p99 | max | errors |"
echo "|---|---:|---:|---:|---:|---:|"
for name in cached-tiles uncached-tiles json-api; do
  read -r _ requests secs p50 p99 max non2xx connect read write timeout <"$work/$name.result"
  errors=$((non2xx + connect + read + write + timeout))
  python3 -c "
import sys
name, requests, secs, p50, p99, mx, errors = sys.argv[1:]
ms = lambda us: f'{int(us) / 1000:.2f} ms'
print(f'| {name} | {int(requests) / float(secs):.0f} | {ms(p50)} | {ms(p99)} | {ms(mx)} | {errors} |')
" "$name" "$requests" "$secs" "$p50" "$p99" "$max" "$errors"
  if [ "$errors" -ne 0 ]; then
    echo "$name: $non2xx answers not 2xx, socket errors connect $connect read $read write $write, $timeout timeouts (> ${WRK_TIMEOUT:-5} s)" >&2
    failed=1
  fi
done
echo
if [ "$failed" -ne 0 ]; then
  echo "load: errors (see above); the servers' logs were in $work" >&2
  for name in cached uncached; do tail -n 20 "$work/$name.log" >&2; done
  exit 1
fi
