#!/usr/bin/env bash
# Regenerates the typed API client from the backend's OpenAPI document.
#   scripts/gen-client.sh            write lib/api/openapi.json and lib/api/schema.d.ts
#   scripts/gen-client.sh --check    regenerate into a temp dir and fail if the checked-in files differ
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(cd .. && pwd)"
PY="$ROOT/.venv/bin/python"
MERCATO="$ROOT/.venv/bin/mercato"

# The spec does not depend on the data dir, but building the app must not touch ./var.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
out="lib/api"
if [[ "${1:-}" == "--check" ]]; then
  out="$scratch/out"
  mkdir -p "$out"
fi
if "$MERCATO" openapi --help >/dev/null 2>&1; then
  MERCATO_DATA_DIR="$scratch" MERCATO_LOG_LEVEL=WARNING "$MERCATO" openapi --output "$out/openapi.json" >"$scratch/err" 2>&1 || { cat "$scratch/err" >&2; exit 1; }
else
  MERCATO_DATA_DIR="$scratch" MERCATO_LOG_LEVEL=WARNING "$PY" -c '
import json, sys
from mercato.main import create_app
spec = create_app().openapi()
with open(sys.argv[1], "w", encoding="utf-8") as f:
    json.dump(spec, f, indent=2, sort_keys=True, ensure_ascii=False)
    f.write("\n")
' "$out/openapi.json" >"$scratch/err" 2>&1 || { cat "$scratch/err" >&2; exit 1; }
fi
node_modules/.bin/openapi-typescript "$out/openapi.json" -o "$out/schema.d.ts" --alphabetize >/dev/null

if [[ "${1:-}" == "--check" ]]; then
  if ! diff -q "$out/openapi.json" lib/api/openapi.json >/dev/null 2>&1 \
    || ! diff -q "$out/schema.d.ts" lib/api/schema.d.ts >/dev/null 2>&1; then
    { diff -u lib/api/openapi.json "$out/openapi.json"; diff -u lib/api/schema.d.ts "$out/schema.d.ts"; } | head -40 >&2 || true
    echo "storefront/lib/api is out of date with the API: run make client and commit the result." >&2
    exit 1
  fi
  echo "API client is up to date."
fi
