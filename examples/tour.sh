#!/usr/bin/env bash
# A tour of tenantctl against the sandbox (run `tenantctl sandbox up` first, then
# `eval "$(tenantctl sandbox env)"`). Each section shows one command group.
set -euo pipefail
cd "$(dirname "$0")/.."
T=${TENANTCTL:-build/tenantctl}

echo "== migrate: the example app's schema"
$T migrate lint --dir examples/migrations
$T migrate status --dir examples/migrations
$T migrate plan --dir examples/migrations | head -20
$T migrate up --dir examples/migrations
$T migrate status --check --dir examples/migrations
$T migrate verify --dir examples/migrations
