#!/usr/bin/env bash
# Scale benchmark of grid splitting: a generated Lanshan-sized district (~1,100 compounds in ~100
# communities) and a megacity-sized one (50,000 compounds) split end to end into secondary grids.
# For each size, the `scale` example (release) times generation, planning units, unit graph,
# partition and check; /usr/bin/time -v gives the peak resident set of the whole process.
#
# Usage: tests/bench/partition-scale.sh [COMPOUNDS ...]   (default: 1100 50000)
# Each size is limited to LIMIT seconds (default 1800).
#
# Note: wangge-demo's street planner makes at most ~1,000 collector splits, so a 50,000-compound
# run gets ~1,004 communities rather than 50,000 / 11; and DemoSettings::validate rejects more
# than 60 communities or 100 km², which the generator itself does not enforce (the example says
# so and goes on).
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/wangge/target}
[ -x /usr/bin/time ] || { echo "/usr/bin/time is missing (apt-get install time); the example's own VmHWM line still gives the peak" >&2; }
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1100 50000)

echo "building scale (release)" >&2
cargo build -q --release -p wangge-partition --example scale
bin=$CARGO_TARGET_DIR/release/examples/scale
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

summaries=()
for n in "${sizes[@]}"; do
  echo "== $n compounds ==" >&2
  log=$work/scale-$n.log
  if [ -x /usr/bin/time ]; then
    status=0
    timeout "${LIMIT:-1800}" /usr/bin/time -v "$bin" --compounds "$n" >"$log" 2>"$work/time-$n.log" || status=$?
    cat "$log"
    if [ "$status" -ne 0 ]; then
      echo "scale --compounds $n failed or ran past ${LIMIT:-1800} s (exit $status)" >&2
      tail -5 "$work/time-$n.log" >&2
      continue
    fi
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time-$n.log")
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time-$n.log")
  else
    timeout "${LIMIT:-1800}" "$bin" --compounds "$n" | tee "$log"
    rss=$(sed -n 's/.*vmhwm_kib=\([0-9]*\).*/\1/p' "$log")
    wall=n/a
  fi
  summaries+=("$(grep '^SUMMARY' "$log") process_wall=$wall maxrss_kib=$rss")
done

echo
echo "== summary: seconds per stage, peak RSS of the whole process =="
printf "%9s %6s %9s %8s %7s %6s %7s %5s %6s %8s %8s %8s %10s %7s %9s %10s\n" \
  compounds comm households buildings units grids inbound conn PP generate units graph partition check wall "peak RSS"
for s in "${summaries[@]}"; do
  declare -A f=()
  for kv in $s; do
    [[ $kv == *=* ]] && f[${kv%%=*}]=${kv#*=}
  done
  printf "%9s %6s %9s %8s %7s %6s %7s %5s %6s %8s %8s %8s %10s %7s %9s %7.0f MiB\n" \
    "${f[compounds]}" "${f[communities]}" "${f[households]}" "${f[buildings]}" "${f[units]}" \
    "${f[grids]}" "${f[within_bounds]}" "${f[connected]}" "${f[mean_pp]}" "${f[generate_s]}" \
    "${f[units_s]}" "${f[graph_s]}" "${f[partition_s]}" "${f[check_s]}" "${f[process_wall]}" \
    "$(( ${f[maxrss_kib]:-0} / 1024 ))"
  unset f
done
