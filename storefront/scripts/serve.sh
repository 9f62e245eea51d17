#!/usr/bin/env bash
# Serves the production build (run `make storefront-build` first) on
# MERCATO_STOREFRONT_HOST:MERCATO_STOREFRONT_PORT (default 127.0.0.1:3000), talking to the API at
# MERCATO_API_URL (default http://127.0.0.1:8000). Used by `make storefront-serve` and `make run`.
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1 NODE_ENV=production
host="${MERCATO_STOREFRONT_HOST:-127.0.0.1}"
port="${MERCATO_STOREFRONT_PORT:-3000}"
if [[ ! -f .next/BUILD_ID ]]; then
  echo "storefront: no production build; run make storefront-build" >&2
  exit 1
fi
export MERCATO_STOREFRONT_URL="${MERCATO_STOREFRONT_URL:-http://${host}:${port}}"
# JSON log lines like the API's (MERCATO_LOG_JSON=false: Next's own output)
export NODE_OPTIONS="${NODE_OPTIONS:-} --import=$(pwd)/scripts/json-log.mjs"
exec node_modules/.bin/next start --hostname "$host" --port "$port"
