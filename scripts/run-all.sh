#!/usr/bin/env bash
# Starts the whole shop on embedded defaults: migrations, demo data, API, worker, scheduler.
# Ctrl-C (or any process exiting) stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export MERCATO_DATA_DIR="${MERCATO_DATA_DIR:-var}"
# one revalidation secret shared by the worker (signs) and the storefront (verifies)
export MERCATO_REVALIDATE_SECRET="${MERCATO_REVALIDATE_SECRET:-$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')}"
export MERCATO_STOREFRONT__REVALIDATE_SECRET="${MERCATO_STOREFRONT__REVALIDATE_SECRET:-$MERCATO_REVALIDATE_SECRET}"
mkdir -p "$MERCATO_DATA_DIR"

"$BIN/mercato" db upgrade
"$BIN/mercato" demo seed --if-empty

pids=()
cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

"$BIN/mercato" serve --host "${MERCATO_HOST:-127.0.0.1}" --port "${MERCATO_PORT:-8000}" &
pids+=($!)
"$BIN/mercato" worker &
pids+=($!)
"$BIN/mercato" scheduler &
pids+=($!)

echo "Mercato API: http://${MERCATO_HOST:-127.0.0.1}:${MERCATO_PORT:-8000}/docs  (Ctrl-C stops everything)"
wait -n "${pids[@]}"
