#!/usr/bin/env bash
# Installs everything tenantctl needs to build, test and benchmark on Debian 12.
# Idempotent; needs root (or sudo).
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config git ccache
  libpqxx-dev libpq-dev libcli11-dev libyaml-cpp-dev catch2 nlohmann-json3-dev libfmt-dev
  libssl-dev libarchive-dev libzstd-dev zlib1g-dev nettle-dev libjq-dev
  postgresql-15 postgresql-client-15
  python3-cryptography python3-jwt python3-psycopg2
  sqitch hyperfine zsh fish man-db time
  clang libclang-rt-dev
  # package_deb: lintian checks the .deb; promtool (in Debian's prometheus package) checks the
  # metrics files. prometheus's postinst starts its daemon through invoke-rc.d only, which a
  # container without an init skips (no runlevel, or policy-rc.d refuses): installing it here
  # starts nothing (tried on Debian 12 without systemd as PID 1).
  lintian prometheus
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
