#!/usr/bin/env bash
# Soak: a release `wangge serve` of the demo under a mixed wrk load (tiles and JSON reads, as an
# admin with a bearer token) for SOAK_MINUTES, its resident memory (VmRSS of /proc/PID/status)
# sampled every 10 s into a CSV. Prints the medians of the first, second and last minutes and the
# growth from the second to the last; exits non-zero when the growth exceeds SOAK_MAX_GROWTH
# percent, or on any error answer.
#
# The tile cache is kept smaller (SOAK_TILE_CACHE, 1000) than the tile list (every z12–z17 tile
# of the demo, about 1,060), and every tile is asked for once before the load starts: the cache
# is full from the start and then evicts and re-encodes all the time (a cyclic walk over more
# tiles than an LRU cache holds misses almost always), at a constant size.
#
# The first minute is the warm-up: the process grows there as its threads' allocator arenas,
# the 64 connections' buffers and the encoder's scratch memory reach their working size (about
# 60 → 85 MB on the demo). The second minute's median is the baseline, the last minute's is
# compared with it. After the warm-up nothing the server holds should grow with the number of
# requests, so the bound only has to absorb allocator noise: 15 % of an ~85 MB process is
# ~13 MB, which a leak of 20 bytes per request at ~2,000 requests/s passes in the eight minutes
# after the baseline of a ten-minute soak.
#
# Usage: tests/bench/soak.sh
# Env:   SOAK_MINUTES (default 10, at least 3), SOAK_MAX_GROWTH (15), SOAK_TILE_CACHE (1000),
#        SOAK_CSV (where to keep the samples; default a temporary file, printed), CONNECTIONS (64),
#        THREADS (2), WRK_TIMEOUT (5 s), WANGGE_BIN.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/bench/load-lib.sh
minutes=${SOAK_MINUTES:-10}
bound=${SOAK_MAX_GROWTH:-15}
[ "$minutes" -ge 3 ] || { echo "SOAK_MINUTES=$minutes: give at least 3 (the first is the warm-up, the second the baseline)" >&2; exit 2; }
need_tools
build_release
work=$(mktemp -d)
trap 'stop_servers; rm -rf "$work"' EXIT
csv=${SOAK_CSV:-$(mktemp --suffix=.csv /tmp/wangge-soak-XXXXXX)}

make_demo
start_server soak --tile-cache "${SOAK_TILE_CACHE:-1000}"
server=$pid
token=$(sign_in "$port")
write_lua
tile_paths "$port" 12 17 >"$work/tiles.txt"
api_paths "$port" >"$work/api.txt"
# Mixed: the tiles, and the API rotation repeated so that about a third of the requests are JSON.
cp "$work/tiles.txt" "$work/mixed.txt"
repeat=$(($(wc -l <"$work/tiles.txt") / (2 * $(wc -l <"$work/api.txt")) + 1))
for _ in $(seq "$repeat"); do cat "$work/api.txt"; done >>"$work/mixed.txt"
shuf --random-source=<(yes) "$work/mixed.txt" -o "$work/mixed.txt"
warm "$port" "$work/tiles.txt"
echo "soak: $(wc -l <"$work/tiles.txt") tiles (z12–z17), $(wc -l <"$work/mixed.txt") paths in the mix, tile cache ${SOAK_TILE_CACHE:-1000}; ${minutes} min at ${CONNECTIONS:-64} connections; samples in $csv" >&2

rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$server/status"; }
echo "seconds,rss_kb,tile_cache_entries" >"$csv"
run_wrk soak "$port" "$work/mixed.txt" $((minutes * 60)) &
load=$!
start=$(date +%s)
while kill -0 "$load" 2>/dev/null; do
  now=$(($(date +%s) - start))
  read -r entries _ _ < <(cache_stats "$port")
  echo "$now,$(rss),$entries" >>"$csv"
  # Sleep in steps so that the end of the load is noticed soon.
  for _ in $(seq 10); do kill -0 "$load" 2>/dev/null && sleep 1; done
done
wait "$load"

read -r _ requests secs p50 p99 max non2xx connect read write timeout <"$work/soak.result"
errors=$((non2xx + connect + read + write + timeout))
python3 - "$csv" "$minutes" "$bound" "$requests" "$secs" "$p99" "$errors" <<'PY'
import csv, statistics, sys
path, minutes, bound, requests, secs, p99, errors = sys.argv[1:]
rows = [(int(r["seconds"]), int(r["rss_kb"])) for r in csv.DictReader(open(path))]
end = rows[-1][0]
median = lambda lo, hi: statistics.median([kb for s, kb in rows if lo <= s < hi] or [0])
warm, base, last = median(0, 60), median(60, 120), median(end - 60, end + 1)
growth = (last - base) / base * 100
mib = lambda kb: f"{kb / 1024:.1f} MiB"
print(f"{len(rows)} samples over {end} s; {int(requests) / float(secs):.0f} requests/s, "
      f"p99 {int(p99) / 1000:.2f} ms, {errors} errors")
print(f"RSS median: first minute (warm-up) {mib(warm)}, second minute (baseline) {mib(base)}, "
      f"last minute {mib(last)}; growth after the warm-up {growth:+.1f} % (bound {bound} %), "
      f"peak {mib(max(kb for _, kb in rows))}")
if growth > float(bound):
    print(f"soak: memory grew by {growth:.1f} % after the warm-up minute, more than {bound} %; "
          f"the samples are in {path}", file=sys.stderr)
    sys.exit(1)
PY
if [ "$errors" -ne 0 ]; then
  echo "soak: $non2xx answers not 2xx, socket errors connect $connect read $read write $write, $timeout timeouts" >&2
  tail -n 20 "$work/soak.log" >&2
  exit 1
fi
