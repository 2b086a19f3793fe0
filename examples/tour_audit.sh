#!/bin/sh
# The audit part of the demo tour: record, query, tail, seal, verify, partitions.
# Expects TENANTCTL_DATABASE_URL (or a running sandbox) and a tenant slug in $1 (default acme).
set -eu
T=${TENANTCTL:-tenantctl}
SLUG=${1:-acme}
$T audit record --tenant "$SLUG" --action runbook.failover --resource db:primary --metadata '{"ticket":"OPS-12"}'
$T audit record --tenant "$SLUG" --action user.login --resource session:s1
$T audit query --tenant "$SLUG" --since 1d --action 'runbook.*'
$T audit query --tenant "$SLUG" --since 1d --explain
$T audit tail --tenant "$SLUG" -n 5 -o ndjson
$T audit stats --tenant "$SLUG" --by action
$T audit seal --settle 0s
$T audit verify --tenant "$SLUG"
$T audit partitions ensure --ahead 3
$T audit partitions list
