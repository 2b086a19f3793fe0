#!/usr/bin/env bash
# Builds the libFuzzer harnesses (clang, ASan + UBSan) and runs each for SECONDS, two at a
# time, starting from the seed corpus in tests/fuzz/corpus/<target>/. Exits non-zero when any
# target finds something (a crash, a sanitizer report, a leak, a timeout, an out-of-memory or
# a failed FUZZ_CHECK); the input that did it is kept in build-fuzz/findings/<target>/.
#   tests/fuzz/run.sh [SECONDS] [TARGET...]     (default 30 s, every target)
#   tests/fuzz/run.sh RUNSr [TARGET...]         exactly RUNS inputs per target from a fixed
#                                              seed: the same inputs on every machine, so the
#                                              result never depends on speed or chance (CI)
#   FUZZ_SEED=N       the seed of a RUNSr run (default 1)
#   FUZZ_JOBS=N       targets run at once (default 2)
#   FUZZ_BUILD_DIR    build directory (default build-fuzz at the repository root)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
budget=${1:-30}
shift || true
# A time budget explores more on a faster machine; a run count with a fixed seed does not.
if [[ $budget =~ ^([0-9]+)r$ ]]; then
  limit=(-runs="${BASH_REMATCH[1]}" -seed="${FUZZ_SEED:-1}")
  label="${BASH_REMATCH[1]} runs (seed ${FUZZ_SEED:-1})"
elif [[ $budget =~ ^[0-9]+$ ]]; then
  limit=(-max_total_time="$budget")
  label="$budget s"
else
  echo "tests/fuzz/run.sh: expected SECONDS or RUNSr, got '$budget'" >&2
  exit 2
fi
jobs=${FUZZ_JOBS:-2}
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}

all_targets=(config manifest duration audit_query subject_selector slug set_value
             migration_file statements fernet jwk copy_text conninfo)
targets=("$@")
((${#targets[@]})) || targets=("${all_targets[@]}")

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
echo "== fuzz build (clang, libFuzzer, ASan + UBSan) in $build"
CXX=${FUZZ_CXX:-clang++} cmake -S "$root" -B "$build" -DTENANTCTL_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "${launcher[@]}" >/dev/null
cmake --build "$build" -j"$(nproc)" --target $(printf 'fuzz_%s ' "${targets[@]}")

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# One target: a scratch copy of the seed corpus (new inputs stay out of the repository),
# findings in their own directory, a summary line from libFuzzer's last status line.
run_one() {
  local target=$1 work="$build/fuzz-work/$1" findings="$build/findings/$1"
  rm -rf "$work" "$findings"   # findings of an earlier run are not this run's
  mkdir -p "$work/corpus" "$findings"
  cp -r "$root/tests/fuzz/corpus/$target/." "$work/corpus/" 2>/dev/null || true
  local status=0
  local started=$SECONDS
  # shellcheck disable=SC2086 # fuzz_limit is a list of options, split on purpose
  "$build/tests/fuzz/fuzz_$target" "$work/corpus" $fuzz_limit -timeout=10 -rss_limit_mb=2048 \
    -max_len=8192 -print_final_stats=1 -artifact_prefix="$findings/" >"$work/log" 2>&1 || status=$?
  local took=$((SECONDS - started)) runs speed
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log" | tail -1)
  local found
  found=$(find "$findings" -type f | wc -l)
  if [ "$status" -eq 0 ] && [ "$found" -eq 0 ]; then
    printf 'fuzz %-18s ok      %5s s  %10s runs  %7s exec/s  0 findings\n' "$target" "$took" "${runs:-?}" "${speed:-?}"
  else
    printf 'fuzz %-18s FAILED  %5s s  %10s runs  %7s exec/s  %s finding(s) in %s (exit %s)\n' "$target" "$took" \
      "${runs:-?}" "${speed:-?}" "$found" "$findings" "$status"
    grep -m 5 -E 'ERROR:|FUZZ_CHECK|runtime error|==ERROR|terminate called|what\(\)' "$work/log" | sed 's/^/    /' || true
    return 1
  fi
}
export -f run_one
fuzz_limit="${limit[*]}"
export root build fuzz_limit

echo "== fuzzing ${#targets[@]} target(s), $label each, $jobs at a time"
failed=0
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one "$@"' _ {} || failed=1
if [ "$failed" -ne 0 ]; then
  echo "== fuzzing found problems (inputs under $build/findings/; reproduce with build-fuzz/tests/fuzz/fuzz_TARGET FILE)"
  exit 1
fi
echo "== fuzzing: no findings"
