#!/usr/bin/env bash
# Soak test (issue 12): an app-like writer against every maintenance command in a loop for
# MINUTES (default 5), then every value and row is checked. See tests/soak.py.
#   tests/soak.sh [MINUTES] [--binary build/tenantctl]
set -euo pipefail
exec /usr/bin/python3 "$(dirname "$0")/soak.py" "$@"
