#!/usr/bin/env bash
# Builds the .deb with CPack, unpacks it into a temporary root and checks that the installed
# binary runs and its man page renders. Usage: package_deb.sh BUILD_DIR
set -euo pipefail
build=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$build" && cpack -G DEB -B "$work/out" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; exit 1; }
deb=$(ls "$work"/out/tenantctl_*.deb)
# Outputs are captured before grepping: `cmd | grep -q` under pipefail fails at random when
# grep exits early and cmd dies of SIGPIPE.
info=$(dpkg-deb --info "$deb")
if ! grep -q "Depends:.*libpq5.*libssl3" <<<"$info"; then
  echo "package lacks library dependencies"; dpkg-deb --info "$deb"; cat "$work/cpack.log"; exit 1
fi
dpkg -x "$deb" "$work/root"
version=$("$work/root/usr/bin/tenantctl" --version)
grep -q "^tenantctl " <<<"$version" || { echo "installed binary did not run"; exit 1; }
for f in usr/share/man/man1/tenantctl.1 usr/share/bash-completion/completions/tenantctl \
         usr/share/zsh/site-functions/_tenantctl usr/share/fish/vendor_completions.d/tenantctl.fish; do
  [ -s "$work/root/$f" ] || { echo "missing $f"; exit 1; }
done
page=$(MANWIDTH=80 man -l "$work/root/usr/share/man/man1/tenantctl.1" 2>/dev/null)
grep -q "EXIT STATUS" <<<"$page" || { echo "man page did not render"; exit 1; }
echo "package ok: $(basename "$deb")"
