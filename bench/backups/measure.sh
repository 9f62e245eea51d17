#!/usr/bin/env bash
# Measure backup, verify and restore times (the runbook's RPO/RTO figures) for one shop size.
#
#   bench/backups/measure.sh sqlite 240        # the demo store
#   bench/backups/measure.sh postgres 100000   # needs MERCATO_BENCH_PG (a server URL, no db)
#
# Seeds a fresh shop, then times `mercato backup create`, `verify` and `restore` into a second,
# empty database. Everything lives under a temporary directory (and throw-away PG databases).
set -euo pipefail
kind=${1:?sqlite|postgres}
products=${2:-240}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
M="$ROOT/.venv/bin/mercato"
work=$(mktemp -d /tmp/mercato-backup-bench.XXXXXX)
export MERCATO_DATA_DIR="$work/var" MERCATO_LOG_LEVEL=WARNING MERCATO_LOG_JSON=false
export MERCATO_BACKUP__ENCRYPTION_KEY
MERCATO_BACKUP__ENCRYPTION_KEY=$(openssl rand -hex 32)
pg=${MERCATO_BENCH_PG:-postgresql+asyncpg://postgres@127.0.0.1:5432}
suffix=$(openssl rand -hex 4)
src_db="mercato_bench_src_$suffix" dst_db="mercato_bench_dst_$suffix"
psql_admin() { psql -X -q -h 127.0.0.1 -U postgres -d postgres -c "$1"; }
cleanup() {
  if [[ $kind == postgres ]]; then
    psql_admin "DROP DATABASE IF EXISTS $src_db WITH (FORCE)" || true
    psql_admin "DROP DATABASE IF EXISTS $dst_db WITH (FORCE)" || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
if [[ $kind == postgres ]]; then
  psql_admin "CREATE DATABASE $src_db"; psql_admin "CREATE DATABASE $dst_db"
  src="$pg/$src_db" dst="$pg/$dst_db"
else
  src="sqlite+aiosqlite:///$work/var/mercato.db" dst="sqlite+aiosqlite:///$work/restored.db"
fi
timed() {  # label, command...: prints "label: N.N s"
  local label=$1; shift
  local start=$(date +%s.%N)
  "$@" >"$work/out.log" 2>&1 || { cat "$work/out.log"; exit 1; }
  printf '%-16s %6.1f s wall (process start included) | %s\n' "$label:" \
    "$(echo "$(date +%s.%N) - $start" | bc)" "$(tail -n 1 "$work/out.log" | cut -c1-150)"
}
echo "== $kind, $products products ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ))"
MERCATO_DATABASE_URL=$src timed "migrate" "$M" db upgrade
MERCATO_DATABASE_URL=$src timed "seed" "$M" demo seed --products "$products"
MERCATO_DATABASE_URL=$src timed "backup create" "$M" backup create
MERCATO_DATABASE_URL=$src timed "backup verify" "$M" backup verify
MERCATO_DATABASE_URL=$dst timed "backup restore" "$M" backup restore latest --yes
du -sh "$work/var/backups" | awk '{print "backup store size: " $1}'
