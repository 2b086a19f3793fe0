#!/usr/bin/env bash
# `tenantctl --version` must be instantaneous (DESIGN section 11: under 5 ms). Compares the
# whole-process time with `psql --version` and /bin/true in the same run.
#   usage: tests/bench/version.sh [path/to/tenantctl]
set -euo pipefail
bin=${1:-$(dirname "$0")/../../build/tenantctl}
runs=${RUNS:-200}

time_ms() {  # median wall time in ms of running "$@" $runs times
  local samples=()
  for ((i = 0; i < runs; i++)); do
    local t0 t1
    t0=$(date +%s%N)
    "$@" >/dev/null
    t1=$(date +%s%N)
    samples+=($(((t1 - t0) / 1000)))
  done
  printf '%s\n' "${samples[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]/1000}'
}

if command -v hyperfine >/dev/null; then
  # hyperfine runs commands without a shell and subtracts nothing: the fairest comparison.
  exec hyperfine -N --warmup 20 -r "$runs" /bin/true "$bin --version" "psql --version"
fi
t_true=$(time_ms /bin/true)
t_psql=$(time_ms psql --version)
t_tc=$(time_ms "$bin" --version)
printf '%-28s %8s ms (median of %d)\n' "/bin/true" "$t_true" "$runs"
printf '%-28s %8s ms\n' "psql --version" "$t_psql"
printf '%-28s %8s ms\n' "tenantctl --version" "$t_tc"
awk -v a="$t_tc" -v b="$t_psql" 'BEGIN {printf "ratio tenantctl/psql: %.2f\n", a / b}'
awk -v a="$t_tc" 'BEGIN { if (a < 5) print "target (< 5 ms): met"; else print "target (< 5 ms): MISSED" }'
