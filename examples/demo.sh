#!/usr/bin/env bash
# README command (1): install the dependencies, build tenantctl, start the sandbox
# PostgreSQL and run the demo tour of every command group.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tests/install-deps.sh"
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" >/dev/null
cmake --build "$root/build" -j"$(nproc)" --target tenantctl
export PATH="$root/build:$PATH"
exec "$root/examples/tour.sh"
