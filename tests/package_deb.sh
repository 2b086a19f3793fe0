#!/usr/bin/env bash
# Builds the .deb with CPack and checks it as Debian and an operator would:
#   - lintian finds no error and no warning;
#   - the unpacked package: the binary runs, man pages are gzipped and render, completions,
#     copyright and changelog are there, modes are 0644/0755;
#   - the systemd units pass `systemd-analyze verify`, and `systemd-analyze security` rates the
#     service at most $max_exposure (tenths: 20 = 2.0);
#   - as root: `dpkg -i` creates the tenantctl user and its directories, again without harm
#     (postinst is idempotent), the tenantctl user can write the metrics file the unit names
#     (with `up 0` here: no database; promtool accepts it), and `dpkg --purge` removes the
#     directories but keeps a file the operator put there.
# Runs without systemd as PID 1 (CI's container): verify and --offline need no running manager.
# Usage: package_deb.sh BUILD_DIR
set -euo pipefail
build=$1
max_exposure=20
work=$(mktemp -d)
installed_here=0
cleanup() {
  if ((installed_here)); then
    dpkg --purge tenantctl >/dev/null 2>&1 || true
    rm -rf /etc/tenantctl /var/lib/tenantctl  # only ever made by this run (checked below)
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "package_deb: $*" >&2; exit 1; }

(cd "$build" && cpack -G DEB -B "$work/out" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; exit 1; }
deb=$(ls "$work"/out/tenantctl_*.deb)
# Outputs are captured before grepping: `cmd | grep -q` under pipefail fails at random when
# grep exits early and cmd dies of SIGPIPE.
info=$(dpkg-deb --info "$deb")
grep -q "Depends:.*libpq5.*libssl3" <<<"$info" || { echo "$info"; cat "$work/cpack.log"; fail "package lacks library dependencies"; }
grep -q "Depends:.*adduser" <<<"$info" || { echo "$info"; fail "postinst uses adduser, Depends: lacks it"; }
# A synopsis and at least two lines of extended description.
desc_lines=$(sed -n '/^ Description:/,/^ [A-Z][A-Za-z-]*:/p' <<<"$info" | grep -c '^  ' || true)
((desc_lines >= 2)) || { echo "$info"; fail "the description has no extended part"; }

# --- lintian -------------------------------------------------------------------------------
# Root gets a "running with root privileges" notice on stderr: not a finding.
if ! lintian --fail-on error,warning --info "$deb" >"$work/lintian.out" 2>"$work/lintian.err"; then
  cat "$work/lintian.out" "$work/lintian.err"
  fail "lintian reports errors or warnings"
fi
if grep -qE '^[EW]: ' "$work/lintian.out"; then cat "$work/lintian.out"; fail "lintian reports errors or warnings"; fi

# --- contents --------------------------------------------------------------------------------
dpkg -x "$deb" "$work/root"
root=$work/root
version=$("$root/usr/bin/tenantctl" --version)
grep -q "^tenantctl " <<<"$version" || fail "installed binary did not run"
for f in usr/share/man/man1/tenantctl.1.gz usr/share/man/man1/tenantctl-maintain.1.gz \
         usr/share/bash-completion/completions/tenantctl \
         usr/share/zsh/site-functions/_tenantctl usr/share/fish/vendor_completions.d/tenantctl.fish \
         usr/share/doc/tenantctl/copyright usr/share/doc/tenantctl/changelog.Debian.gz \
         lib/systemd/system/tenantctl-maintain.service lib/systemd/system/tenantctl-maintain.timer; do
  [ -s "$root/$f" ] || fail "missing $f"
done
[ -z "$(find "$root/usr/share/man" -name '*.1')" ] || fail "uncompressed man pages in the package"
page=$(MANWIDTH=80 man -l "$root/usr/share/man/man1/tenantctl.1.gz" 2>/dev/null)
grep -q "EXIT STATUS" <<<"$page" || fail "man page did not render"
grep -q "^Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/" \
  "$root/usr/share/doc/tenantctl/copyright" || fail "copyright is not machine-readable (DEP-5)"
# Modes as the data tarball has them (dpkg -x applies the umask; --contents does not).
modes=$(dpkg-deb --contents "$deb" | awk '{print $1, $6}')
odd=$(grep -vE '^(drwxr-xr-x|-rw-r--r--) ' <<<"$modes" | grep -v ' ./usr/bin/tenantctl$' || true)
[ -z "$odd" ] || { echo "$odd"; fail "files not 0644 or directories not 0755"; }
grep -q '^-rwxr-xr-x ./usr/bin/tenantctl$' <<<"$modes" || fail "/usr/bin/tenantctl is not 0755"

# --- the systemd units ---------------------------------------------------------------------
units=$root/lib/systemd/system
# verify wants the ExecStart binary where the unit says; here it is in the unpacked root.
mkdir "$work/units"
sed "s#/usr/bin/tenantctl#$root/usr/bin/tenantctl#" "$units/tenantctl-maintain.service" >"$work/units/tenantctl-maintain.service"
cp "$units/tenantctl-maintain.timer" "$work/units/"
# Warnings (unknown keys, bad values) are printed even with exit 0: the output must be empty.
out=$(systemd-analyze verify --man=no "$work/units/tenantctl-maintain.service" "$work/units/tenantctl-maintain.timer" 2>&1) \
  || { echo "$out"; fail "systemd-analyze verify failed"; }
[ -z "$out" ] || { echo "$out"; fail "systemd-analyze verify warns"; }
security=$(systemd-analyze security --offline=true --threshold="$max_exposure" "$units/tenantctl-maintain.service" 2>&1) \
  || { echo "$security"; fail "exposure of tenantctl-maintain.service above $max_exposure/10"; }
echo "$(tail -n 1 <<<"$security")"

# --- install, reinstall, run as the service user, purge (root only) ------------------------
if [ "$(id -u)" -ne 0 ]; then
  echo "package_deb: not root: dpkg -i / --purge checks not run (CI runs them as root)"
  echo "package ok: $(basename "$deb")"
  exit 0
fi
if dpkg-query -W -f='${Status}' tenantctl 2>/dev/null | grep -q "installed"; then
  fail "tenantctl is installed on this machine: this test installs and purges it, and will not replace yours"
fi
for d in /etc/tenantctl /var/lib/tenantctl; do
  [ ! -e "$d" ] || fail "$d exists already: this test creates and removes it, and will not touch yours"
done
installed_here=1
dpkg -i "$deb" >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "dpkg -i failed"; }

check_installed() {
  local pw
  pw=$(getent passwd tenantctl) || fail "postinst did not create the tenantctl user"
  IFS=: read -r _ _ uid gid _ home shell <<<"$pw"
  ((uid < 1000)) || fail "tenantctl is not a system user (uid $uid)"
  [ "$home" = /var/lib/tenantctl ] || fail "tenantctl's home is $home"
  [ "$shell" = /usr/sbin/nologin ] || fail "tenantctl's shell is $shell"
  [ "$(getent group tenantctl | cut -d: -f3)" = "$gid" ] || fail "tenantctl's primary group is not tenantctl"
  local want
  for want in "/etc/tenantctl 750 root tenantctl" "/var/lib/tenantctl 711 tenantctl tenantctl" \
              "/var/lib/tenantctl/metrics 755 tenantctl tenantctl" \
              "/var/lib/tenantctl/audit-archive 750 tenantctl tenantctl"; do
    set -- $want
    [ "$(stat -c '%a %U %G' "$1" 2>/dev/null)" = "$2 $3 $4" ] ||
      fail "$1 is $(stat -c '%a %U %G' "$1" 2>&1), wanted $2 $3 $4"
  done
}
check_installed
# Reinstalling runs postinst configure again: same state, and the operator's config is kept.
printf 'schema: tenantctl\n' >/etc/tenantctl/tenantctl.yaml
dpkg -i "$deb" >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "reinstalling (postinst run twice) failed"; }
check_installed
[ -s /etc/tenantctl/tenantctl.yaml ] || fail "reinstalling removed /etc/tenantctl/tenantctl.yaml"
# As README tells the operator: the service's group reads the configuration.
chgrp tenantctl /etc/tenantctl/tenantctl.yaml
chmod 0640 /etc/tenantctl/tenantctl.yaml

# The installed units, with the man page check (Documentation=man:tenantctl-maintain(1)).
out=$(systemd-analyze verify /lib/systemd/system/tenantctl-maintain.service /lib/systemd/system/tenantctl-maintain.timer 2>&1) \
  || { echo "$out"; fail "systemd-analyze verify of the installed units failed"; }
[ -z "$out" ] || { echo "$out"; fail "systemd-analyze verify of the installed units warns"; }

# What the unit runs, as the user it runs as (no systemd here to start it): the tenantctl user
# can write the metrics file; no database answers, so it says up 0, and promtool accepts it.
metrics=$(sed -n 's/.*--metrics-file \([^ ]*\).*/\1/p' /lib/systemd/system/tenantctl-maintain.service)
[ "$metrics" = /var/lib/tenantctl/metrics/tenantctl_maintain.prom ] || fail "unexpected metrics path '$metrics'"
set +e
(cd / && runuser -u tenantctl -- env -i HOME=/var/lib/tenantctl PATH=/usr/bin:/bin \
   TENANTCTL_CONFIG=/etc/tenantctl/tenantctl.yaml /usr/bin/tenantctl maintain -q \
   -d "host=/nonexistent-socket-dir port=1 connect_timeout=2" --metrics-file "$metrics") >"$work/run.log" 2>&1
rc=$?
set -e
((rc == 7)) || { cat "$work/run.log"; fail "maintain without a database exited $rc, wanted 7"; }
[ "$(stat -c '%a %U' "$metrics")" = "644 tenantctl" ] || fail "metrics file is $(stat -c '%a %U' "$metrics")"
grep -qx 'tenantctl_maintain_up 0' "$metrics" || { cat "$metrics"; fail "metrics file lacks 'tenantctl_maintain_up 0'"; }
promtool check metrics <"$metrics" >"$work/promtool.log" 2>&1 || { cat "$work/promtool.log" "$metrics"; fail "promtool check metrics failed"; }

# Purge: the package's directories go; the operator's files stay (the key, the configuration).
printf 'not a real key\n' >/etc/tenantctl/master.key
dpkg --purge tenantctl >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "dpkg --purge failed"; }
for d in /var/lib/tenantctl /var/lib/tenantctl/metrics; do [ ! -e "$d" ] || fail "purge left $d"; done
for f in /etc/tenantctl/master.key /etc/tenantctl/tenantctl.yaml; do
  [ -f "$f" ] || fail "purge removed the operator's $f"
done
grep -q "/etc/tenantctl is not empty" "$work/dpkg.log" || { cat "$work/dpkg.log"; fail "purge did not say what it kept"; }
[ ! -e /usr/bin/tenantctl ] && [ ! -e /lib/systemd/system/tenantctl-maintain.service ] || fail "purge left files"
rm -rf /etc/tenantctl
installed_here=0
echo "package ok: $(basename "$deb")"
