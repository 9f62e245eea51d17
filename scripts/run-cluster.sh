#!/usr/bin/env bash
# `make run-cluster`: the production topology on one machine. nginx (TLS, load balancing) in front
# of the API processes (MERCATO_CLUSTER_API_PORTS), the worker, the scheduler and the storefront, on
# PostgreSQL and Redis. Started and supervised by scripts/run-all.sh: an API process (or any
# other) that dies is started again a second later; Ctrl-C stops everything.
#
# Reads (defaults in brackets):
#   MERCATO_CLUSTER_HOST [127.0.0.1]     where nginx and every process listen
#   MERCATO_CLUSTER_HTTPS_PORT [8443]    the shop (self-signed certificate in the data dir)
#   MERCATO_CLUSTER_HTTP_PORT [8081]     redirects to https
#   MERCATO_CLUSTER_INTERNAL_PORT [8100] nginx's internal listener (storefront -> API pool)
#   MERCATO_CLUSTER_API_PORTS ["8101 8102"]  one API process per port
#   MERCATO_STOREFRONT_PORT [3001]
#   MERCATO_CLUSTER_AUTH_RATE / MERCATO_CLUSTER_CHECKOUT_RATE [30r/m]  nginx limit_req per address
#   MERCATO_DATA_DIR [var/cluster]
#   MERCATO_DATABASE_URL [postgresql+asyncpg://postgres@127.0.0.1:5432/mercato_cluster] (created)
#   MERCATO_REDIS_URL [redis://127.0.0.1:6379/3]   MERCATO_BROKER_URL [redis://127.0.0.1:6379/4]
#   and everything scripts/run-all.sh reads.
set -euo pipefail
cd "$(dirname "$0")/.."
HOST="${MERCATO_CLUSTER_HOST:-127.0.0.1}"
HTTPS_PORT="${MERCATO_CLUSTER_HTTPS_PORT:-8443}"
HTTP_PORT="${MERCATO_CLUSTER_HTTP_PORT:-8081}"
INTERNAL_PORT="${MERCATO_CLUSTER_INTERNAL_PORT:-8100}"
read -r -a API_PORTS <<<"${MERCATO_CLUSTER_API_PORTS:-8101 8102}"
SF_PORT="${MERCATO_STOREFRONT_PORT:-3001}"
NGINX="${MERCATO_CLUSTER_NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}"
if [[ ! -x "$NGINX" ]]; then
  echo "nginx is not installed: run make nginx (Debian's package)" >&2
  exit 1
fi

export MERCATO_DATA_DIR="${MERCATO_DATA_DIR:-var/cluster}"
export MERCATO_DATABASE_URL="${MERCATO_DATABASE_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/mercato_cluster}"
export MERCATO_REDIS_URL="${MERCATO_REDIS_URL:-redis://127.0.0.1:6379/3}"
export MERCATO_BROKER_URL="${MERCATO_BROKER_URL:-redis://127.0.0.1:6379/4}"
SHOP_URL="https://$HOST:$HTTPS_PORT"
export MERCATO_PUBLIC_BASE_URL="${MERCATO_PUBLIC_BASE_URL:-$SHOP_URL}"
export MERCATO_STOREFRONT_URL="${MERCATO_STOREFRONT_URL:-$SHOP_URL}"
export MERCATO_CORS_ORIGINS="${MERCATO_CORS_ORIGINS:-[\"$SHOP_URL\"]}"
# nginx on this machine is the only proxy whose X-Forwarded-For the API believes
export MERCATO_TRUSTED_PROXIES="${MERCATO_TRUSTED_PROXIES:-[\"$HOST\"]}"
# the storefront's server-side calls go through nginx's internal listener (the whole API pool)
export MERCATO_API_URL="${MERCATO_API_URL:-http://$HOST:$INTERNAL_PORT}"
export MERCATO_STOREFRONT_HOST="$HOST" MERCATO_STOREFRONT_PORT="$SF_PORT"
export MERCATO_STOREFRONT__REVALIDATE_URL="${MERCATO_STOREFRONT__REVALIDATE_URL:-http://$HOST:$SF_PORT/api/revalidate}"

mkdir -p "$MERCATO_DATA_DIR"
NGINX_DIR="$(cd "$MERCATO_DATA_DIR" && pwd)/nginx"
.venv/bin/python -m mercato.ops.cluster ensure-db "$MERCATO_DATABASE_URL" >/dev/null || exit 1
upstreams=()
for port in "${API_PORTS[@]}"; do upstreams+=(--api "$HOST:$port"); done
.venv/bin/python -m mercato.ops.cluster nginx --prefix "$NGINX_DIR" --host "$HOST" \
  --https-port "$HTTPS_PORT" --http-port "$HTTP_PORT" --internal-port "$INTERNAL_PORT" \
  "${upstreams[@]}" --storefront "$HOST:$SF_PORT" \
  --auth-rate "${MERCATO_CLUSTER_AUTH_RATE:-30r/m}" \
  --checkout-rate "${MERCATO_CLUSTER_CHECKOUT_RATE:-30r/m}" >/dev/null
"$NGINX" -t -q -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" -e stderr

processes="$NGINX_DIR/processes.sh"
{
  echo "# written by scripts/run-cluster.sh; sourced by scripts/run-all.sh"
  n=0
  for port in "${API_PORTS[@]}"; do
    n=$((n + 1))
    # one process per upstream: nginx is the balancer here, not uvicorn's workers
    printf 'process --restart api-%d %q .venv/bin/mercato serve --host %q --port %q --workers 1\n' \
      "$n" "http://$HOST:$port/readyz" "$HOST" "$port"
  done
  printf 'process --restart worker file .venv/bin/mercato worker\n'
  printf 'process --restart scheduler file .venv/bin/mercato scheduler\n'
  if [[ -f storefront/.next/BUILD_ID ]]; then
    printf 'process --restart storefront %q storefront/scripts/serve.sh\n' \
      "http://$HOST:$SF_PORT/api/health"
  else
    echo "echo 'no storefront build (run make storefront-build): nginx serves the API only' >&2"
  fi
  # ready once nginx answers and an API process answers behind it
  printf 'process --restart nginx %q %q -p %q -c %q -e stderr\n' \
    "http://$HOST:$INTERNAL_PORT/readyz" "$NGINX" "$NGINX_DIR" "$NGINX_DIR/nginx.conf"
  printf 'ports+=(%q %q)\n' "$HOST:$HTTPS_PORT" "$HOST:$HTTP_PORT"
  printf 'API=%q SHOP_URL=%q\n' "$SHOP_URL" "$SHOP_URL"
} >"$processes"
export MERCATO_RUN_PROCESSES="$processes"
exec scripts/run-all.sh
