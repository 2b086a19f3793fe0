#!/usr/bin/env bash
# The demo tour: one pass through every command group against a throwaway sandbox server.
# Run it through examples/demo.sh, or directly with tenantctl on PATH.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"   # tenantctl.yaml and migrations/ are read from here
export PGOPTIONS="-c client_min_messages=warning"

step() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }
run() { printf '$ %s\n' "$*" >&2; "$@"; }

step "sandbox: a throwaway PostgreSQL, the platform schema and a master key"
run tenantctl sandbox up
eval "$(tenantctl sandbox env)"
run tenantctl sandbox status

step "init is idempotent"
run tenantctl init

step "migrate: the example app's schema (RLS on every tenant table)"
run tenantctl migrate lint
run tenantctl migrate status
run tenantctl migrate plan | head -20
run tenantctl migrate up
run tenantctl migrate status --check
run tenantctl migrate verify

step "doctor: connectivity, versions, row-level security"
run tenantctl doctor

step "doctor notices a tenant table without RLS (exit 3)"
tenantctl sandbox psql -- -q -c "CREATE TABLE public.scratch_notes (tenant_id uuid, note text)" >/dev/null
set +e
run tenantctl doctor --check rls
rc=$?
set -e
echo "doctor exit code: $rc (3 = problems found)" >&2
tenantctl sandbox psql -- -q -c "DROP TABLE public.scratch_notes" >/dev/null

# tour: more command groups are added below as they land

step "maintain: every due housekeeping task in one cron-safe run (examples/systemd, examples/cron)"
run tenantctl maintain --dry-run
run tenantctl maintain --metrics-file "${TMPDIR:-/tmp}/tenantctl_maintain.prom"
run tenantctl maintain   # again: nothing is due any more

step "done: stop the sandbox with 'tenantctl sandbox down'"
