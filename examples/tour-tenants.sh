#!/usr/bin/env bash
# Tenant lifecycle part of the demo tour: run against a sandbox (`eval "$(tenantctl sandbox env)"`).
# Safe to run more than once.
set -euo pipefail
T=${TENANTCTL:-tenantctl}
HERE=$(cd "$(dirname "$0")" && pwd)
DEMO=demo-$(date +%s)   # a purged slug stays taken, so every run uses a new one

echo "== tenant apply (plan first, then apply, then again: no changes)"
$T tenant apply -f "$HERE/tenants.yaml" --dry-run
$T tenant apply -f "$HERE/tenants.yaml"
$T tenant apply -f "$HERE/tenants.yaml" -o json

echo "== tenant create / list / show / update"
$T tenant create "$DEMO" --name "Demo Co" --plan pro --region us-west-2
$T tenant list
$T tenant update "$DEMO" --set max_users=25 --flag beta_ui=on
$T tenant show "$DEMO" -o yaml

echo "== suspend / resume, delete with grace / restore, purge"
$T tenant suspend "$DEMO" --reason "demo: unpaid invoice"
$T tenant resume "$DEMO"
$T tenant delete "$DEMO" --grace 30d --reason "demo"
$T tenant restore "$DEMO"
$T tenant delete "$DEMO" --grace 0s
$T tenant purge "$DEMO" --dry-run
$T tenant purge "$DEMO" --yes
$T tenant list --status all
