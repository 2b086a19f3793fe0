#!/usr/bin/env bash
# README command (2): install the dependencies, build, start a throwaway PostgreSQL (the
# CTest fixture does that) and run every test: the single-server suite built with
# AddressSanitizer and UndefinedBehaviorSanitizer, the release build on the Citus cluster.
#   TENANTCTL_SKIP_SANITIZE=1  no sanitizer build: the release build runs the single-server
#                              suite itself (quicker local runs)
#   CITUS_SRC=ARCHIVE          builds Citus from a release archive when it is not installed, so the
#                              Citus suite (a coordinator and two workers) runs; .ci/run sets it
#   TENANTCTL_SKIP_FUZZ=1      skips the fuzzing pass (every tests/fuzz target, 200,000 inputs
#                              from a fixed seed: the same inputs on every run, so a finding
#                              is a bug that reproduces, never a matter of machine speed)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# Each phase says how long it took, so a slow CI run shows where the time went.
phase_started=$SECONDS
took() { echo "== $1 took $((SECONDS - phase_started)) s"; phase_started=$SECONDS; }
jobs=$(nproc)

"$root/tests/install-deps.sh"
took "installing dependencies"

# Citus (issue 17): already installed, or built from CITUS_SRC. Exit 3 means neither: the suite
# is left out and the run says so at the end; any other failure (a broken archive, a failed
# build) fails the run.
citus=1
"$root/tests/citus/install.sh" || { rc=$?; [ "$rc" = 3 ] || exit "$rc"; citus=0; }
took "Citus"

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# Ninja for a new build directory: it starts the tests' files while the library's last files
# still compile, where make waits for the whole library. A directory configured before keeps
# its generator (CMake refuses to change it).
generator() { [ -f "$1/CMakeCache.txt" ] || echo "-GNinja"; }
sanitize=1
[ "${TENANTCTL_SKIP_SANITIZE:-0}" = 1 ] && sanitize=0

# Two builds, and every test runs at least once, none twice on the same kind of server:
#   the release build (what ships): the package, the generated docs, and the Citus suite,
#     which is the end-to-end suite again on a coordinator and two workers;
#   the ASan + UBSan build: the whole single-server suite (unit, integration, end-to-end).
# Without the sanitizer pass the release build runs the single-server suite itself; without
# Citus it runs the end-to-end suite, so the shipped binary is always run end to end.
# Line tables only (-g1): enough for a backtrace or a sanitizer report with file and line, at
# about two thirds of the compile time of full debug information.
echo "== build (RelWithDebInfo, warnings are errors)"
cmake $(generator "$root/build") -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTENANTCTL_WERROR=ON \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" -DCMAKE_SKIP_INSTALL_ALL_DEPENDENCY=ON \
  "${launcher[@]}" >/dev/null
if [ "$sanitize" = 1 ]; then
  # The unit and integration tests run in the sanitizer build only; `cpack` (package_deb) must
  # not build them through `install`'s dependency on `all`.
  cmake --build "$root/build" -j"$jobs" --target tenantctl compressed_docs e2e_tests citus_tests
else
  cmake --build "$root/build" -j"$jobs"
fi
took build
echo "== tests (release build)"
if [ "$sanitize" = 0 ]; then
  (cd "$root/build" && ctest --output-on-failure -j2 --timeout 900 -LE citus)
elif [ "$citus" = 0 ]; then
  (cd "$root/build" && ctest --output-on-failure -j2 --timeout 900 -R '^(docs_in_sync|package_deb|e2e:.*)$')
else
  (cd "$root/build" && ctest --output-on-failure -j2 --timeout 900 -R '^(docs_in_sync|package_deb)$')
fi
took tests
if [ "$citus" = 1 ]; then
  echo "== Citus suite (a coordinator and two workers, release build)"
  (cd "$root/build" && ctest --output-on-failure -j2 --timeout 900 -L citus)
  took "Citus tests"
fi

if [ "$sanitize" = 1 ]; then
  echo "== build (ASan + UBSan)"
  # -O0 and line tables. Measured on 139 tests: at -O1 the suite took as long (the server's
  # work dominates), and the build 20% longer.
  cmake $(generator "$root/build-asan") -S "$root" -B "$root/build-asan" -DCMAKE_BUILD_TYPE=Debug -DTENANTCTL_SANITIZE=ON \
    -DCMAKE_CXX_FLAGS_DEBUG="-O0 -g1" "${launcher[@]}" >/dev/null
  cmake --build "$root/build-asan" -j"$jobs"
  took "sanitizer build"
  echo "== tests under ASan + UBSan (the single-server suite)"
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  export LSAN_OPTIONS=suppressions=$root/tests/lsan.supp:print_suppressions=0
  # Packaging and generated docs are checked by the release build; they say nothing about memory.
  (cd "$root/build-asan" && ctest --output-on-failure -j2 --timeout 1800 -LE citus -E '^(package_deb|docs_in_sync)$')
  took "sanitizer tests"
fi
if [ "${TENANTCTL_SKIP_FUZZ:-0}" != 1 ]; then
  # Open-ended fuzzing (tests/fuzz/run.sh SECONDS) finds new inputs by chance, which would
  # make this run flaky; it is run by hand, and what it finds becomes a seed in the corpus.
  FUZZ_JOBS=2 FUZZ_SEED=1 "$root/tests/fuzz/run.sh" 200000r
  took fuzzing
fi
if [ "$citus" = 1 ]; then
  echo "== all tests passed"
else
  echo "== all tests passed, but the Citus suite did NOT run: Citus is not installed"
  echo "   set CITUS_SRC to a Citus release archive (citus-13.2.2.tar.gz) to build it, or install"
  echo "   Citus's own packages (README, \"Citus\")"
fi
