#!/usr/bin/env bash
# Side by side, same input, one run: wangge's `partition` vs GerryChain (ReCom) vs PySAL spopt
# (max-p) splitting the demo's communities into grids of 300-500 households.
#  - export_units (release) writes the demo's planning units and unit graph, and times wangge's own
#    partition of the same data into the same file (tests/artifacts/partition-units.json);
#  - partition-vs-gerrychain.py runs GerryChain and spopt on that graph with wangge's k (max-p picks
#    its own), measures all three plans the same way and writes
#    tests/artifacts/partition-vs-gerrychain.json;
#  - prints the table and the run-time ratios of this one run.
#
# Usage: tests/bench/partition-vs-gerrychain.sh [export_units options, e.g. --seed 2]
# Environment: STEPS (GerryChain ReCom steps per piece, 1000), MAXP_CONSTRUCTION (99) and
#   MAXP_SA (10) (spopt's defaults), TOOLS (gerrychain,spopt).
# Needs: Python 3.11 (venv in ~/.cache/wangge/venv-partition with gerrychain 1.0.0 and spopt 0.7.0,
#   made by this script). The max-p run takes about 17 minutes on the demo (2 cores); GerryChain
#   about half a minute.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/wangge/target}
venv=${PARTITION_VENV:-$HOME/.cache/wangge/venv-partition}
gerrychain_version=1.0.0
spopt_version=0.7.0

python=$(command -v python3.11 || command -v python3 || true)
[ -n "$python" ] || { echo "python3.11 is missing" >&2; exit 1; }
if [ ! -x "$venv/bin/python" ]; then
  echo "creating $venv with $("$python" --version)" >&2
  "$python" -m venv "$venv"
fi
if ! "$venv/bin/python" - "$gerrychain_version" "$spopt_version" <<'PY' 2>/dev/null; then
import sys
from importlib.metadata import version
sys.exit(0 if (version("gerrychain"), version("spopt")) == (sys.argv[1], sys.argv[2]) else 1)
PY
  echo "installing gerrychain $gerrychain_version and spopt $spopt_version into $venv" >&2
  "$venv/bin/pip" install -q --upgrade pip
  "$venv/bin/pip" install -q "gerrychain==$gerrychain_version" "spopt==$spopt_version"
fi

echo "building export_units (release)" >&2
cargo build -q --release -p wangge-partition --example export_units
units=tests/artifacts/partition-units.json
out=tests/artifacts/partition-vs-gerrychain.json
"$CARGO_TARGET_DIR/release/examples/export_units" --out "$units" "$@"
"$venv/bin/python" tests/bench/partition-vs-gerrychain.py "$units" "$out"

python3 - "$out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
r = d["results"]
w = r["wangge"]["seconds"]
print(f"== run-time ratios of this run (wangge partition() {w * 1000:.0f} ms wall; "
      f"search alone about {d['wangge_search_only_seconds_estimate'] * 1000:.0f} ms) ==")
for name in ("gerrychain", "spopt_maxp"):
    if name in r:
        print(f"{name:<12} {r[name]['seconds']:>10.2f} s   {r[name]['seconds'] / w:>8.0f}x wangge's time")
v = d["versions"]
print(f"versions: gerrychain {v['gerrychain']}, spopt {v['spopt']}, libpysal {v['libpysal']}, "
      f"networkx {v['networkx']}, rustworkx {v['rustworkx']}, Python {v['python']}")
PY
