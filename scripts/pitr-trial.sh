#!/usr/bin/env bash
# PostgreSQL point-in-time recovery with pgBackRest, tried for real on loopback (docs/operations.md,
# "Point-in-time recovery"). Re-runnable; not part of CI. Needs PostgreSQL 15's server binaries and
# pgbackrest (`apt-get install -y postgresql-15 pgbackrest`); run as root (it uses `runuser -u
# postgres`) or as the postgres user.
#
# 1. a throw-away cluster on a free port >= 15432, WAL archived by pgBackRest, archive_timeout=60s
# 2. a full backup, then writes: 2,000 "orders" that must survive and, later, an accident
#    (every order deleted)
# 3. restore to the moment just before the accident; check the 2,000 orders are back
# Prints the timing of each step. Everything lives in a temporary directory, removed at the end.
set -euo pipefail
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
command -v pgbackrest >/dev/null || { echo "pgbackrest missing: apt-get install -y pgbackrest" >&2; exit 1; }
as_pg() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
port=15432
while (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; do port=$((port + 1)); done
work=$(mktemp -d /tmp/mercato-pitr.XXXXXX)
chmod 755 "$work"
[[ $(id -u) == 0 ]] && chown postgres:postgres "$work"
conf="$work/pgbackrest.conf"
data="$work/data"
psql_() { as_pg "$PGBIN/psql" -X -q -At -h 127.0.0.1 -p "$port" -U postgres -d shop -c "$1"; }
pgbr() { as_pg pgbackrest --config="$conf" --stanza=mercato "$@"; }
cleanup() {
  as_pg "$PGBIN/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
t0=$(date +%s.%N)
step() { printf '%-44s %7.1f s\n' "$1" "$(echo "$(date +%s.%N) - $t0" | bc)"; t0=$(date +%s.%N); }

as_pg mkdir -p "$work/log" "$work/lock"
as_pg "$PGBIN/initdb" -D "$data" -U postgres --auth=trust >/dev/null
cat > "$conf" <<CONF
[global]
repo1-path=$work/repo
repo1-retention-full=2
log-path=$work/log
lock-path=$work/lock
start-fast=y
compress-type=zst
process-max=2

[mercato]
pg1-path=$data
pg1-port=$port
pg1-host-user=postgres
pg1-socket-path=$work
CONF
chown postgres:postgres "$conf" 2>/dev/null || true
cat >> "$data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$work'
wal_level = replica
archive_mode = on
archive_command = 'pgbackrest --config=$conf --stanza=mercato archive-push %p'
archive_timeout = 60
max_wal_senders = 3
CONF
as_pg "$PGBIN/pg_ctl" -D "$data" -l "$work/postgres.log" -w start >/dev/null
as_pg "$PGBIN/createdb" -h 127.0.0.1 -p "$port" -U postgres shop
step "cluster initialised and started (port $port)"
pgbr stanza-create >/dev/null
pgbr check >/dev/null
step "pgbackrest stanza-create + check"
as_pg "$PGBIN/pgbench" -i -s 10 -q -h 127.0.0.1 -p "$port" -U postgres shop >/dev/null 2>&1
psql_ "CREATE TABLE orders (id int PRIMARY KEY, placed_at timestamptz DEFAULT clock_timestamp())"
psql_ "INSERT INTO orders (id) SELECT g FROM generate_series(1, 1000) g"
step "data loaded (pgbench scale 10, ~160 MB; 1,000 orders)"
pgbr --type=full backup >/dev/null
step "full backup (pgbackrest backup --type=full)"
echo "   $(pgbr info | grep -E 'full backup|database size|repo1: backup set size' | tr -s ' ' | paste -sd';')"
psql_ "INSERT INTO orders (id) SELECT g FROM generate_series(1001, 2000) g"
as_pg "$PGBIN/pgbench" -n -T 5 -c 2 -h 127.0.0.1 -p "$port" -U postgres shop >/dev/null 2>&1
sleep 1
target=$(psql_ "SELECT clock_timestamp()")
sleep 1
psql_ "DELETE FROM orders"  # the accident
psql_ "SELECT pg_switch_wal()" >/dev/null  # or wait archive_timeout (60 s) for it to be archived
deleted_lsn=$(psql_ "SELECT pg_current_wal_lsn()")
step "writes after the backup; accident at LSN $deleted_lsn"
echo "   recovery target: $target (orders now: $(psql_ 'SELECT count(*) FROM orders'))"
until pgbr info --output=json | grep -q '"max":"'; do sleep 0.5; done
as_pg "$PGBIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null
step "primary stopped"
pgbr --delta --type=time "--target=$target" --target-action=promote restore >/dev/null
step "pgbackrest restore --type=time (delta)"
as_pg "$PGBIN/pg_ctl" -D "$data" -l "$work/postgres.log" -w -t 600 start >/dev/null
until [[ $(psql_ "SELECT pg_is_in_recovery()") == f ]]; do sleep 0.2; done
step "WAL replayed to the target, promoted"
orders=$(psql_ "SELECT count(*) FROM orders")
echo "   orders after recovery: $orders (expected 2000)"
grep -E "recovery stopping|last completed transaction|selected new timeline" "$work/postgres.log" \
  | sed 's/^/   log: /' | cut -c1-160
[[ $orders == 2000 ]] || { echo "PITR FAILED" >&2; exit 1; }
echo "PITR OK"
