# Sourced by the shell benchmarks: a throwaway sandbox server of the binary under test in a
# temporary directory, removed on exit. `bench_sandbox NAME` sets WORK (the directory, 0755 so
# the server's user can reach it), URL, HOST and PORT, and points psql at the server.
# Needs BIN (the tenantctl binary) set first.
bench_sandbox() {
  WORK=$(mktemp -d "/tmp/tenantctl-bench-$1.XXXXXX")
  chmod 755 "$WORK"
  cleanup() { "$BIN" sandbox down --dir "$WORK/sb" >/dev/null 2>&1 || true; rm -rf "$WORK"; }
  trap cleanup EXIT
  URL=$("$BIN" sandbox up --dir "$WORK/sb" 2>/dev/null | tail -1)
  HOST=$(sed -E 's/.*host=([^&]*).*/\1/' <<<"$URL")
  PORT=$(sed -E 's/.*port=([0-9]+).*/\1/' <<<"$URL")
  export PGHOST=$HOST PGPORT=$PORT PGUSER=postgres
}
