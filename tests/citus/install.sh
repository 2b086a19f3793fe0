#!/usr/bin/env bash
# Makes Citus available to the test run's PostgreSQL (issue 17).
#   - Citus already installed for the server's major version: nothing to do.
#   - Else CITUS_SRC names a release archive (citus-X.Y.Z.tar.gz): build and install it.
#   - Else exit 3 with how to get Citus; tests/run.sh then says the Citus suite did not run.
# Debian 12 does not package Citus; users install it from Citus's own packages (README).
set -euo pipefail

pg_bin=${TENANTCTL_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
[ -n "$pg_bin" ] || { echo "citus: no PostgreSQL server is installed" >&2; exit 3; }
major=$(basename "$(dirname "$pg_bin")")
libdir=/usr/lib/postgresql/$major/lib

if [ -f "$libdir/citus.so" ]; then
  echo "citus: installed for PostgreSQL $major ($libdir/citus.so)"
  exit 0
fi
if [ -z "${CITUS_SRC:-}" ]; then
  echo "citus: not installed and CITUS_SRC is not set" >&2
  exit 3
fi
[ -f "$CITUS_SRC" ] || { echo "citus: CITUS_SRC=$CITUS_SRC is not a file" >&2; exit 1; }

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  # Installing the server headers also moves postgresql-$major to the same minor release.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "postgresql-server-dev-$major" liblz4-dev libzstd-dev libkrb5-dev libssl-dev build-essential >/dev/null
fi

work=$(mktemp -d /tmp/tenantctl-citus-build.XXXXXX)
trap 'rm -rf "$work"' EXIT
tar -xzf "$CITUS_SRC" -C "$work"
src=$(find "$work" -mindepth 1 -maxdepth 1 -type d | head -1)
cd "$src"
# PostgreSQL 15.20's headers declare have_createdb_privilege(), which Citus 13.2 also defines
# as static for PostgreSQL 15: the build stops on the clash. Renaming Citus's copy fixes it.
grep -rl have_createdb_privilege src | xargs -r sed -i 's/\bhave_createdb_privilege\b/citus_have_createdb_privilege/g'
echo "citus: building $(basename "$src") for PostgreSQL $major"
./configure --without-libcurl PG_CONFIG="/usr/lib/postgresql/$major/bin/pg_config" >"$work/configure.log" 2>&1 \
  || { tail -20 "$work/configure.log" >&2; exit 1; }
make -j"$(nproc)" >"$work/make.log" 2>&1 || { tail -40 "$work/make.log" >&2; exit 1; }
make install >"$work/install.log" 2>&1 || { tail -20 "$work/install.log" >&2; exit 1; }
[ -f "$libdir/citus.so" ] || { echo "citus: make install did not put citus.so in $libdir" >&2; exit 1; }
echo "citus: installed for PostgreSQL $major"
