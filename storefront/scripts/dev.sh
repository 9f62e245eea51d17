#!/usr/bin/env bash
# `make dev`: the API with auto-reload plus the storefront with hot reload (next dev).
# Uses MERCATO_PORT (API, default 8000) and MERCATO_STOREFRONT_PORT (default 3000). Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/../.."
export MERCATO_DATA_DIR="${MERCATO_DATA_DIR:-var}" NEXT_TELEMETRY_DISABLED=1
# one revalidation secret shared by the worker (signs) and the storefront (verifies)
export MERCATO_REVALIDATE_SECRET="${MERCATO_REVALIDATE_SECRET:-$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')}"
export MERCATO_STOREFRONT__REVALIDATE_SECRET="${MERCATO_STOREFRONT__REVALIDATE_SECRET:-$MERCATO_REVALIDATE_SECRET}"
api_port="${MERCATO_PORT:-8000}"
shop_port="${MERCATO_STOREFRONT_PORT:-3000}"
host="${MERCATO_STOREFRONT_HOST:-127.0.0.1}"
mkdir -p "$MERCATO_DATA_DIR"
.venv/bin/mercato db upgrade
.venv/bin/mercato demo seed --if-empty

pids=()
cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

MERCATO_STOREFRONT_URL="http://${host}:${shop_port}" .venv/bin/mercato serve --host 127.0.0.1 --port "$api_port" --reload &
pids+=($!)
(cd storefront && MERCATO_API_URL="http://127.0.0.1:${api_port}" MERCATO_STOREFRONT_URL="http://${host}:${shop_port}" \
  exec node_modules/.bin/next dev --hostname "$host" --port "$shop_port") &
pids+=($!)
echo "Mercato API: http://127.0.0.1:${api_port}/docs   shop: http://${host}:${shop_port}  (Ctrl-C stops both)"
wait -n "${pids[@]}"
