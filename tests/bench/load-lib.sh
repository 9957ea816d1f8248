# Shared by load.sh and soak.sh (sourced, not run): the release binary, a demo database with an
# admin user, servers on free ports, a bearer token, the request lists and wrk's Lua script.
# The caller sets `set -euo pipefail`, cds to the checkout and defines $work (a temporary folder).

target=${CARGO_TARGET_DIR:-$HOME/.cache/wangge/target}
bin=${WANGGE_BIN:-$target/release/wangge}
servers=()

need_tools() {
  command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
  command -v curl >/dev/null || { echo "curl is missing: apt-get install curl" >&2; exit 1; }
  command -v python3 >/dev/null || { echo "python3 is missing: apt-get install python3" >&2; exit 1; }
}

build_release() {
  [ -n "${WANGGE_BIN:-}" ] || cargo build -q --release --bin wangge
  [ -x "$bin" ] || { echo "$bin is missing: build it with cargo build --release --bin wangge" >&2; exit 1; }
}

stop_servers() {
  for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${servers[@]}"; do wait "$pid" 2>/dev/null || true; done
}

# The demo database at $db with the admin user $admin (password $password).
admin=loadadmin
password=load-password-1
make_demo() {
  db=$work/demo.gpkg
  "$bin" demo --db "$db" --no-serve >"$work/demo.log" 2>&1 \
    || { echo "wangge demo failed:" >&2; cat "$work/demo.log" >&2; exit 1; }
  printf '%s\n' "$password" | "$bin" user add --db "$db" --name "$admin" --role admin --password-stdin \
    >"$work/user.log" 2>&1 || { echo "wangge user add failed:" >&2; cat "$work/user.log" >&2; exit 1; }
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_server NAME ARGS…: serves $db on a free port; sets $port and $pid, logs to $work/NAME.log.
start_server() {
  local name=$1
  shift
  port=$(free_port)
  "$bin" serve --db "$db" --addr "127.0.0.1:$port" "$@" >"$work/$name.log" 2>&1 &
  pid=$!
  servers+=("$pid")
  for _ in $(seq 300); do
    curl -sf "http://127.0.0.1:$port/health" >/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || { echo "the $name server exited:" >&2; cat "$work/$name.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "the $name server did not answer /health on port $port within 30 s" >&2
  exit 1
}

# sign_in PORT: prints a bearer token of the admin user.
sign_in() {
  curl -sf -X POST "http://127.0.0.1:$1/api/session" -H 'Content-Type: application/json' \
    -d "{\"username\":\"$admin\",\"password\":\"$password\"}" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])' \
    || { echo "signing in as $admin on port $1 failed" >&2; exit 1; }
}

# tile_paths PORT MINZOOM MAXZOOM: every tile of layer `all` over the data's extent, one path a
# line.
tile_paths() {
  curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$1/tiles/all.json" | python3 -c '
import json, math, sys
b = json.load(sys.stdin)["bounds"]
def tile(lon, lat, z):
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)
for z in range(int(sys.argv[1]), int(sys.argv[2]) + 1):
    x0, y1 = tile(b[0], b[1], z)
    x1, y0 = tile(b[2], b[3], z)
    for x in range(x0, x1 + 1):
        for y in range(y0, y1 + 1):
            print(f"/tiles/all/{z}/{x}/{y}.mvt")
' "$2" "$3"
}

# api_paths PORT: a rotation of JSON reads — compounds by box (four quarters of the extent and
# the whole), compound and zone details, zone summaries, the due list, problems, chiefs, stats.
api_paths() {
  python3 - "http://127.0.0.1:$1" "$token" <<'PY'
import json, sys, urllib.request
base, token = sys.argv[1], sys.argv[2]
def get(path):
    req = urllib.request.Request(base + path, headers={"Authorization": "Bearer " + token})
    with urllib.request.urlopen(req) as r:
        return json.load(r)
b = get("/tiles/all.json")["bounds"]
mx, my = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
boxes = [(b[0], b[1], mx, my), (mx, b[1], b[2], my), (b[0], my, mx, b[3]), (mx, my, b[2], b[3]), tuple(b)]
compounds = [f["properties"]["code"] for f in get("/api/compounds?limit=8")["features"]]
zones = [f["properties"]["code"] for f in get("/api/zones?level=community&limit=4")["features"]]
grids = [f["properties"]["code"] for f in get("/api/zones?level=micro&limit=4")["features"]]
paths = []
for box in boxes:
    paths.append("/api/compounds?bbox=%.6f,%.6f,%.6f,%.6f&limit=50" % box)
for code in compounds:
    paths.append(f"/api/compounds/{code}")
for code in zones + grids:
    paths.append(f"/api/zones/{code}")
    paths.append(f"/api/zones/{code}/summary")
paths += ["/api/summary", "/api/stats", "/api/due", f"/api/due?zone={zones[0]}&overdue=true",
          "/api/problems/summary", "/api/chiefs", f"/api/buildings?compound={compounds[0]}",
          "/api/streets?limit=50", "/api/meta"]
# Every path must answer 200 before it is used under load.
for p in paths:
    get(p)
print("\n".join(paths))
PY
}

# warm PORT PATHS: asks for every path once (so that the tiles are in the cache).
warm() {
  sed "s|.*|url = \"http://127.0.0.1:$1&\"\noutput = \"/dev/null\"|" "$2" >"$work/warm.conf"
  curl -sf -K "$work/warm.conf" -H 'Accept-Encoding: gzip' -H "Authorization: Bearer $token" \
    || { echo "warming $2 on port $1 failed (a request did not answer 2xx)" >&2; exit 1; }
}

# The Lua script: each thread walks PATHS (from its own offset) with the bearer token and gzip,
# counts answers that are not 2xx, and `done` prints one line
#   RESULT requests seconds p50_us p99_us max_us non2xx connect read write timeout
write_lua() {
  cat >"$work/load.lua" <<'LUA'
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  paths = {}
  for line in io.lines(os.getenv("LOAD_PATHS")) do paths[#paths + 1] = line end
  headers = {
    ["Authorization"] = "Bearer " .. os.getenv("LOAD_TOKEN"),
    ["Accept-Encoding"] = "gzip",
  }
  i = (id * 7919) % #paths
  non2xx = 0
end

function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i], headers)
end

function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end

function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + t:get("non2xx") end
  local e = summary.errors
  io.write(string.format("RESULT %d %.3f %d %d %d %d %d %d %d %d\n", summary.requests,
    summary.duration / 1e6, latency:percentile(50), latency:percentile(99), latency.max, bad,
    e.connect, e.read, e.write, e.timeout))
end
LUA
}

# run_wrk NAME PORT PATHS SECONDS: wrk at ${CONNECTIONS:-64} connections; its output goes to
# $work/NAME.wrk, the RESULT line to $work/NAME.result.
run_wrk() {
  LOAD_PATHS=$3 LOAD_TOKEN=$token wrk -t"${THREADS:-2}" -c"${CONNECTIONS:-64}" -d"$4s" \
    --timeout "${WRK_TIMEOUT:-5}s" --latency -s "$work/load.lua" "http://127.0.0.1:$2" >"$work/$1.wrk" 2>&1 \
    || { echo "wrk failed for $1:" >&2; cat "$work/$1.wrk" >&2; exit 1; }
  grep '^RESULT ' "$work/$1.wrk" >"$work/$1.result" \
    || { echo "wrk printed no result for $1:" >&2; cat "$work/$1.wrk" >&2; exit 1; }
}

# cache_stats PORT: the tile cache's entries, hits and misses (from /health).
cache_stats() {
  curl -sf "http://127.0.0.1:$1/health" | python3 -c 'import json,sys; c=json.load(sys.stdin)["tile_cache"]; print(c["entries"], c["hits"], c["misses"])'
}
