#!/usr/bin/env bash
# Storefront benchmark: Lighthouse (mobile + desktop) on home, a category and a product page, then
# wrk: warm SSR throughput of home and a product page next to the API's cached product list, in the
# same run. Starts its own API and production storefront on free loopback ports with a fresh data
# dir and the demo shop. Needs: make bootstrap storefront-build, /usr/bin/chromium, wrk.
#   bench/storefront/run.sh [--products N] [--seconds S] [--connections C] [--runs R]
# Lighthouse runs R times per page and form factor; the table shows the run with the median
# performance score (Lighthouse's own advice for noisy machines).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
PRODUCTS=60 SECONDS_=10 CONNECTIONS=8 RUNS=3
while [ $# -gt 0 ]; do
  case "$1" in
    --products) PRODUCTS="$2"; shift 2 ;;
    --seconds) SECONDS_="$2"; shift 2 ;;
    --connections) CONNECTIONS="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
[ -x /usr/bin/chromium ] || { echo "/usr/bin/chromium is missing: make chromium" >&2; exit 1; }
[ -f "$REPO/storefront/.next/BUILD_ID" ] || { echo "build the storefront first: make storefront-build" >&2; exit 1; }
[ -x "$HERE/node_modules/.bin/lighthouse" ] || (cd "$HERE" && npm ci --no-audit --no-fund)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
API_PORT=$(free_port) SHOP_PORT=$(free_port)
API="http://127.0.0.1:$API_PORT" SHOP="http://127.0.0.1:$SHOP_PORT"
DATA="$(mktemp -d /tmp/mercato-bench-sf-XXXXXX)"
OUT="$HERE/results"; mkdir -p "$OUT"
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$DATA"; }
trap cleanup EXIT

export MERCATO_DATA_DIR="$DATA" MERCATO_ENV=development MERCATO_LOG_JSON=false MERCATO_LOG_LEVEL=WARNING \
  MERCATO_PUBLIC_BASE_URL="$API" MERCATO_STOREFRONT_URL="$SHOP" NEXT_TELEMETRY_DISABLED=1
"$REPO/.venv/bin/mercato" db upgrade >/dev/null
"$REPO/.venv/bin/mercato" demo seed --products "$PRODUCTS" >/dev/null
"$REPO/.venv/bin/mercato" serve --host 127.0.0.1 --port "$API_PORT" >"$OUT/api.log" 2>&1 & PIDS+=($!)
(cd "$REPO/storefront" && NODE_ENV=production MERCATO_API_URL="$API" exec node_modules/.bin/next start \
  --hostname 127.0.0.1 --port "$SHOP_PORT") >"$OUT/storefront.log" 2>&1 & PIDS+=($!)
for url in "$API/healthz" "$SHOP/api/health"; do
  for _ in $(seq 240); do curl -fs -o /dev/null "$url" && break; sleep 0.5; done
  curl -fs -o /dev/null "$url" || { echo "$url never answered; see $OUT/*.log" >&2; exit 1; }
done

PRODUCT=$(curl -fs "$API/api/v1/products?limit=1&sort=newest" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["slug"])')
CATEGORY=$(curl -fs "$API/api/v1/categories" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["slug"])')
declare -A PAGES=([home]="/" [category]="/c/$CATEGORY" [product]="/p/$PRODUCT")
for p in home category product; do curl -fs -o /dev/null "$SHOP${PAGES[$p]}"; done  # warm the data cache

echo "## Lighthouse 12.2.3 (Chromium $(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}'), $PRODUCTS-product demo shop)"
echo
echo "| page | form factor | performance | accessibility | best practices | SEO |"
echo "|---|---|---|---|---|---|"
for p in home category product; do
  for form in mobile desktop; do
    preset=(); [ "$form" = desktop ] && preset=(--preset=desktop)
    reports=()
    for run in $(seq "$RUNS"); do
      CHROME_PATH=/usr/bin/chromium "$HERE/node_modules/.bin/lighthouse" "$SHOP${PAGES[$p]}" "${preset[@]}" \
        --chrome-flags="--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage" \
        --only-categories=performance,accessibility,best-practices,seo \
        --output=json --output-path="$OUT/lighthouse-$p-$form-$run.json" --quiet
      reports+=("$OUT/lighthouse-$p-$form-$run.json")
    done
    node -e '
      const [page, path, form, ...files] = process.argv.slice(1);
      const runs = files.map((f) => require(f)).sort((a, b) => a.categories.performance.score - b.categories.performance.score);
      const r = runs[Math.floor(runs.length / 2)]; const c = r.categories; const s = (k) => Math.round(c[k].score * 100);
      const all = runs.map((x) => Math.round(x.categories.performance.score * 100)).join("/");
      const failed = Object.values(r.audits).filter((a) => a.score !== null && a.score < 1 && a.scoreDisplayMode === "binary").map((a) => a.id);
      console.log(`| ${page} (\`${path}\`) | ${form} | ${s("performance")} (runs: ${all}) | ${s("accessibility")} | ${s("best-practices")} | ${s("seo")} |`);
      if (failed.length) console.error(`  ${page} ${form} failing audits: ${failed.join(", ")}`);
    ' "$p" "${PAGES[$p]}" "$form" "${reports[@]}"
  done
done

echo
echo "## wrk -t2 -c$CONNECTIONS -d${SECONDS_}s --timeout 30s (warm caches, same run)"
echo
echo "| target | requests/s | p50 | p99 | non-2xx | timeouts |"
echo "|---|---|---|---|---|---|"
bench() {
  local name="$1" path="$2" url="$3"
  curl -fs -o /dev/null "$url"; curl -fs -o /dev/null "$url"
  local out; out=$(wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_}s" --timeout 30s --latency "$url")
  echo "$out" >"$OUT/wrk-$name.txt"
  local rps p50 p99 non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out"); non2xx=${non2xx:-0}
  timeouts=$(awk '/Socket errors/ {print $NF}' <<<"$out"); timeouts=${timeouts:-0}
  echo "| $name (\`$path\`) | $rps | $p50 | $p99 | $non2xx | $timeouts |"
}
bench "storefront home SSR" "/" "$SHOP/"
bench "storefront product SSR" "/p/$PRODUCT" "$SHOP/p/$PRODUCT"
bench "API cached product list" "/api/v1/products?limit=24" "$API/api/v1/products?limit=24"
