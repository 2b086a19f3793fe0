#!/usr/bin/env bash
# The demo tour: one pass through every command group against a throwaway sandbox server.
# Run it through examples/demo.sh, or directly with tenantctl on PATH; `tour.sh --citus` runs
# the Citus variant.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"   # tenantctl.yaml and migrations/ are read from here
export PGOPTIONS="-c client_min_messages=warning"

# --citus: the same app on a Citus cluster (examples/tour_citus.sh).
if [ "${1:-}" = --citus ]; then exec "$here/tour_citus.sh"; fi

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

step "doctor finds a cross-tenant path (a debug policy), and --probe shows it leak as the app role"
tenantctl sandbox psql -- -q -c "CREATE POLICY debug ON public.documents FOR SELECT TO PUBLIC USING (true)" >/dev/null
set +e
run tenantctl doctor --check policies
run tenantctl doctor --probe
rc=$?
set -e
echo "doctor --probe exit code: $rc (3 = a tenant reached another tenant's rows; everything was rolled back)" >&2
tenantctl sandbox psql -- -q -c "DROP POLICY debug ON public.documents" >/dev/null

step "tenant: provision from a manifest (plan, apply, apply again: no changes)"
run tenantctl tenant apply -f tenants.yaml --dry-run
run tenantctl tenant apply -f tenants.yaml
run tenantctl tenant apply -f tenants.yaml -o json
DEMO=demo-$(date +%s)   # a purged slug stays taken, so every run uses a new one
run tenantctl tenant create "$DEMO" --name "Demo Co" --plan pro --region us-west-2
run tenantctl tenant update "$DEMO" --set max_users=25 --flag beta_ui=on
run tenantctl tenant list
run tenantctl tenant show "$DEMO" -o yaml
run tenantctl tenant suspend "$DEMO" --reason "demo: unpaid invoice"
run tenantctl tenant resume "$DEMO"

step "tenant adopt: an app that keeps its own tenants table (bigint keys) gets tenantctl tenants"
tenantctl sandbox psql -- -q -c "DROP DATABASE IF EXISTS adopt_demo" -c "CREATE DATABASE adopt_demo" >/dev/null
ADOPT_DB=$(printf '%s' "$TENANTCTL_DATABASE_URL" | sed 's#/[^/?]*\([?]\|$\)#/adopt_demo\1#')
psql "$ADOPT_DB" -q -f "$here/adopt/schema.sql" >/dev/null
run tenantctl -c adopt/tenantctl.yaml -d "$ADOPT_DB" init
run tenantctl -c adopt/tenantctl.yaml -d "$ADOPT_DB" tenant adopt --dry-run
run tenantctl -c adopt/tenantctl.yaml -d "$ADOPT_DB" tenant adopt --yes
run tenantctl -c adopt/tenantctl.yaml -d "$ADOPT_DB" tenant adopt --yes   # again: nothing to do
run tenantctl -c adopt/tenantctl.yaml -d "$ADOPT_DB" tenant create globex --name "Globex"   # inserts into companies too
run tenantctl -c adopt/tenantctl.yaml -d "$ADOPT_DB" tenant list
run tenantctl -c adopt/tenantctl.yaml -d "$ADOPT_DB" tenant show wayne -o json

step "the app writes data for acme (Fernet-encrypted phone numbers and document bodies)"
run /usr/bin/python3 "$here/seed_app_data.py" acme

step "keys: rotate acme's data key and re-encrypt its data"
run tenantctl keys status --tenant acme
run tenantctl keys rotate --tenant acme --reencrypt
run tenantctl keys status --tenant acme
run tenantctl keys verify --tenant acme --all
run tenantctl keys jwt rotate
run tenantctl keys jwks
run tenantctl apikey create --tenant acme --name ci-deploy --scope deploy
run tenantctl apikey list --tenant acme

step "gdpr: export one data subject, then erase them (dry run first)"
run tenantctl gdpr lint
run tenantctl gdpr export --tenant acme --subject email:bob@example.com --format json | head -c 600; echo
run tenantctl gdpr export --tenant acme --subject email:bob@example.com -O /tmp/tenantctl-tour-bob.zip --force
run tenantctl gdpr erase --tenant acme --subject email:bob@example.com --dry-run
run tenantctl gdpr erase --tenant acme --subject email:bob@example.com --yes
run tenantctl gdpr requests list --tenant acme
run tenantctl gdpr export --tenant acme --all -O /tmp/tenantctl-tour-acme.tar.gz --force

step "tenant copy: acme into a second database for staging, anonymized on the way, then the diff"
tenantctl sandbox psql -- -q -c "DROP DATABASE IF EXISTS tour_staging" -c "CREATE DATABASE tour_staging" >/dev/null
STAGING_URL=$(sed -E 's|@/[^?]*\?|@/tour_staging?|' <<<"$TENANTCTL_DATABASE_URL")
run tenantctl -d "$STAGING_URL" init
run tenantctl -d "$STAGING_URL" migrate up
# The staging database as a context: copy and diff name the other side by context only.
staging_cfg=$(mktemp -d)
{ cat tenantctl.yaml; printf 'contexts:\n  staging:\n    database: "%s"\n' "$STAGING_URL"; } > "$staging_cfg/tenantctl.yaml"
run tenantctl -c "$staging_cfg/tenantctl.yaml" tenant copy acme --to staging --anonymize --dry-run
run tenantctl -c "$staging_cfg/tenantctl.yaml" tenant copy acme --to staging --anonymize
# Exit 3: the anonymized tables differ, checksum for checksum; the others are equal.
run tenantctl -c "$staging_cfg/tenantctl.yaml" tenant diff acme --against staging || [ $? -eq 3 ]
run psql -qX "$STAGING_URL" -c "SELECT email, full_name, left(phone, 20) AS phone_token FROM users ORDER BY id LIMIT 3"
rm -rf "$staging_cfg"

step "audit: record, query, tail, stats, seal and verify"
run tenantctl audit record --tenant acme --action runbook.failover --resource db:primary --metadata '{"ticket":"OPS-12"}'
run tenantctl audit query --tenant acme --since 1d --limit 5
run tenantctl audit query --tenant acme --since 1d --action 'tenant.*' -o ndjson
run tenantctl audit tail --tenant acme -n 3
run tenantctl audit stats --tenant acme --by action
run tenantctl audit seal --settle 0s
run tenantctl audit verify --all
run tenantctl audit partitions ensure --ahead 3
run tenantctl audit partitions list

step "offboarding: delete with a grace period, then purge"
run tenantctl tenant delete "$DEMO" --grace 0s
run tenantctl tenant purge "$DEMO" --yes
run tenantctl tenant list --status all


step "maintain: every due housekeeping task in one cron-safe run (examples/systemd, examples/cron)"
run tenantctl maintain --dry-run
run tenantctl maintain --metrics-file "${TMPDIR:-/tmp}/tenantctl_maintain.prom"
run tenantctl maintain   # again: nothing is due any more

step "migrate adopt: take over a golang-migrate history, then apply the one migration it never ran"
gm=$(mktemp -d)
printf 'CREATE TABLE gm_a (id int);\n' > "$gm/000001_init.up.sql"
printf 'DROP TABLE gm_a;\n' > "$gm/000001_init.down.sql"
printf 'CREATE TABLE gm_b (id int);\n' > "$gm/000002_add_b.up.sql"
printf 'DROP TABLE gm_b;\n' > "$gm/000002_add_b.down.sql"
psql -qX "$TENANTCTL_DATABASE_URL" -c "DROP DATABASE IF EXISTS tour_golang" -c "CREATE DATABASE tour_golang"
GM_URL=$(sed -E 's|@/[^?]*\?|@/tour_golang?|' <<<"$TENANTCTL_DATABASE_URL")
# what golang-migrate left behind after `migrate up 1`
psql -qX "$GM_URL" -c "CREATE TABLE gm_a (id int)" \
  -c "CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)" \
  -c "INSERT INTO schema_migrations VALUES (1, false)"
run tenantctl -d "$GM_URL" init
run tenantctl -d "$GM_URL" migrate adopt --from golang-migrate --dir "$gm" --dry-run
run tenantctl -d "$GM_URL" migrate adopt --from golang-migrate --dir "$gm" --yes
run tenantctl -d "$GM_URL" migrate up --dir "$gm"          # runs only 000002_add_b
run tenantctl -d "$GM_URL" migrate status --check --dir "$gm"
rm -rf "$gm"

step "done: stop the sandbox with 'tenantctl sandbox down'"
