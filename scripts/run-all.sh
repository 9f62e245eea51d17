#!/usr/bin/env bash
# Starts the whole shop on embedded defaults: migrations, demo data, then every process below.
# Ports are checked before anything starts; the "shop is at" summary is printed once every
# process is ready. A process that exits before then stops them all (a start-up error is shown,
# not retried); once the shop is ready, one that exits (a crash, an operator's kill) is started
# again a second later, or, when it keeps exiting within 30 s of its start, after twice as long
# as the time before (up to 30 s). Ctrl-C or SIGTERM (to this script or its whole process group)
# stops them all within 10 seconds. Each process runs in a process group of its own, signalled as a
# whole: what a process started (uvicorn's workers) stops with it, even after the process was
# killed, so a process started again finds its port free.
#
# Reads: MERCATO_HOST, MERCATO_PORT (the API), MERCATO_STOREFRONT_HOST, MERCATO_STOREFRONT_PORT,
# MERCATO_API_URL, MERCATO_STOREFRONT_URL, MERCATO_DATA_DIR, MERCATO_LOG_JSON,
# MERCATO_READY_TIMEOUT_SECONDS (how long to wait for readiness), MERCATO_STOP_TIMEOUT_SECONDS
# (how long processes get to stop before SIGKILL; 8 leaves room in a 10 s stop timeout),
# MERCATO_RUN_PROCESSES (a file of `process` lines replacing the ones below: scripts/run-cluster.sh).
# Each process's pid is in $MERCATO_DATA_DIR/run/NAME.pid while it runs; the worker and scheduler
# create NAME.ready there once ready (whatever MERCATO_LOG_LEVEL hides).
set -euo pipefail
cd "$(dirname "$0")/.."
# a port that is no port number: one line naming its variable, before anything starts
for var in MERCATO_PORT MERCATO_STOREFRONT_PORT; do
  value="${!var:-}"
  if [[ -n "$value" ]] && ! { [[ "$value" =~ ^[0-9]{1,5}$ ]] && ((10#$value >= 1 && 10#$value <= 65535)); }; then
    echo "$var: '$value' is not a port number (1-65535)" >&2
    exit 2
  fi
done
BIN=.venv/bin
PY="$BIN/python"
HOST="${MERCATO_HOST:-127.0.0.1}"
PORT="${MERCATO_PORT:-8000}"
API="http://$HOST:$PORT"
READY_TIMEOUT="${MERCATO_READY_TIMEOUT_SECONDS:-120}"
STOP_TIMEOUT="${MERCATO_STOP_TIMEOUT_SECONDS:-8}"
STABLE_SECONDS=30 # a process that ran this long is restarted after 1 s again
MAX_BACKOFF=30
export MERCATO_DATA_DIR="${MERCATO_DATA_DIR:-var}"
export MERCATO_LOG_JSON="${MERCATO_LOG_JSON:-false}" # human-readable here; JSON stays the default
export MERCATO_PUBLIC_BASE_URL="${MERCATO_PUBLIC_BASE_URL:-$API}"
export PYTHONUNBUFFERED=1
# one revalidation secret shared by the worker (signs) and the storefront (verifies)
export MERCATO_REVALIDATE_SECRET="${MERCATO_REVALIDATE_SECRET:-$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')}"
export MERCATO_STOREFRONT__REVALIDATE_SECRET="${MERCATO_STOREFRONT__REVALIDATE_SECRET:-$MERCATO_REVALIDATE_SECRET}"

names=() readies=() commands=() ports=() restarts=()
# process [--restart] NAME READY CMD…  — READY is a URL answering 2xx when ready, `file` (the
# process creates the file named by MERCATO_READY_FILE: the worker and scheduler do) or log:REGEX
# (a line of its output). The port of an http://host:port URL is checked before anything starts.
# A process that exits stops everything, unless --restart and the shop is ready: then it is
# started again (1 s later; backing off when it keeps exiting).
process() {
  local restart=0
  if [[ "$1" == --restart ]]; then restart=1 && shift; fi
  local name="$1" ready="$2"
  shift 2
  names+=("$name") readies+=("$ready") commands+=("$(printf '%q ' "$@")") restarts+=("$restart")
  if [[ "$ready" =~ ^https?://([^/]+:[0-9]+) ]]; then ports+=("${BASH_REMATCH[1]}"); fi
}

SF_HOST="${MERCATO_STOREFRONT_HOST:-127.0.0.1}"
SF_PORT="${MERCATO_STOREFRONT_PORT:-3000}"
export MERCATO_API_URL="${MERCATO_API_URL:-$API}"                 # where the storefront finds the API
export MERCATO_STOREFRONT_URL="${MERCATO_STOREFRONT_URL:-http://$SF_HOST:$SF_PORT}" # links in emails

if [[ -n "${MERCATO_RUN_PROCESSES:-}" ]]; then
  # shellcheck source=/dev/null
  source "$MERCATO_RUN_PROCESSES" # another topology; it may set SHOP_URL for the summary
else
  process --restart api "$API/readyz" "$BIN/mercato" serve --host "$HOST" --port "$PORT"
  process --restart worker file "$BIN/mercato" worker
  process --restart scheduler file "$BIN/mercato" scheduler
  # The storefront (production build from `make run`/`make storefront-build`); the summary then
  # says the shop is at its address. Without a build (a backend-only checkout) the API runs alone.
  if [[ -f storefront/.next/BUILD_ID ]]; then
    process --restart storefront "http://$SF_HOST:$SF_PORT/api/health" storefront/scripts/serve.sh
  else
    note="no storefront build (run make storefront-build): starting the API, worker and scheduler only"
  fi
fi

# 1. Busy ports: one line each, nothing started.
if ((${#ports[@]})); then "$PY" -m mercato.platform.portcheck free "${ports[@]}" || exit 1; fi
if [[ -n "${note:-}" ]]; then echo "$note" >&2; fi

mkdir -p "$MERCATO_DATA_DIR/run"
"$BIN/mercato" db upgrade
"$BIN/mercato" demo seed --if-empty

logs="$(mktemp -d)"
pids=()
stopping=0
# Ctrl-C reaches this script's process group, not the processes' own groups. This script stops
# them on SIGINT, except when it cannot trap it (started with `&` by a non-interactive shell:
# ignored on entry); this watcher in its group, which does not ignore it, dies of it instead.
"$PY" -c 'import signal; signal.signal(signal.SIGINT, signal.SIG_DFL); signal.pause()' </dev/null &
watcher=$!
# a process that is not a zombie in process group $1
group_alive() {
  ps -A -o pgid= -o stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { f = 1 } END { exit !f }'
}
# SIGTERM to the process groups $@, SIGKILL to those still there after STOP_TIMEOUT seconds
stop_groups() {
  local pid alive
  for pid in "$@"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  for _ in $(seq 1 $((STOP_TIMEOUT * 10))); do
    alive=()
    for pid in "$@"; do group_alive "$pid" && alive+=("$pid"); done
    ((${#alive[@]})) || return 0
    sleep 0.1
  done
  for i in "${!pids[@]}"; do
    if [[ " ${alive[*]} " == *" ${pids[$i]} "* ]]; then
      echo "${names[$i]} did not stop within ${STOP_TIMEOUT} s: killing it" >&2
      kill -KILL -- "-${pids[$i]}" 2>/dev/null || true
    fi
  done
}
stop_all() {
  local code="${1:-0}"
  trap - INT TERM EXIT
  [[ $stopping == 1 ]] && return
  stopping=1
  kill "$watcher" 2>/dev/null || true
  stop_groups "${pids[@]}"
  wait 2>/dev/null || true
  for name in "${names[@]}"; do rm -f "$MERCATO_DATA_DIR/run/$name".{pid,ready}; done
  rm -rf "$logs"
  exit "$code"
}
trap 'stop_all 130' INT
trap 'stop_all 143' TERM
trap 'stop_all 129' HUP # a closed terminal: the processes, in their own groups, do not see it
trap 'stop_all $?' EXIT

# 2. Start everything; each line is prefixed with its process name. Each process (with its log
# printer) runs in a process group of its own, whose id is its pid: job control is on while it
# starts (only then: no job status lines when processes stop).
start() {
  local i="$1" name="${names[$1]}"
  rm -f "$MERCATO_DATA_DIR/run/$name.ready"
  set -m
  MERCATO_READY_FILE="$MERCATO_DATA_DIR/run/$name.ready" eval "exec ${commands[$i]}" </dev/null \
    > >(trap '' INT TERM # outlives its process to print its last lines
      exec awk -v p="$(printf '%-9s|' "$name")" -v f="$logs/$name.log" \
        '{ print p " " $0; fflush(); print $0 >> f; fflush(f) }') 2>&1 &
  set +m
  pids[i]=$!
  started[i]=$SECONDS
  echo "$!" >"$MERCATO_DATA_DIR/run/$name.pid"
}
started=() backoff=()
for i in "${!names[@]}"; do start "$i"; done
# Once the shop is ready a --restart process that exited is started again a second later (twice
# as long as the last time when it ran less than STABLE_SECONDS, at most MAX_BACKOFF: a crash loop
# does not spin), with any other that exits within that second (an operator killing several, the
# OOM killer); any other exit stops everything. A Ctrl-C to the whole group is a stop: the
# watcher dies of it too (checked again after that second).
ready_all=0
reap() {
  local i dead=()
  if ! kill -0 "$watcher" 2>/dev/null; then
    echo "interrupted: stopping everything" >&2
    stop_all 130
  fi
  for i in "${!pids[@]}"; do
    kill -0 "${pids[$i]}" 2>/dev/null || dead+=("$i")
  done
  ((${#dead[@]})) || return 0
  for i in "${dead[@]}"; do
    if ((ready_all == 0)); then
      echo "${names[$i]} exited before the shop was ready: stopping everything" >&2
      stop_all 1
    fi
    if ((restarts[i] == 0)); then
      echo "${names[$i]} exited: stopping everything" >&2
      stop_all 1
    fi
  done
  sleep 1
  if ! kill -0 "$watcher" 2>/dev/null; then
    echo "interrupted: stopping everything" >&2
    stop_all 130
  fi
  for i in "${!pids[@]}"; do
    if [[ " ${dead[*]} " != *" $i "* ]] && ! kill -0 "${pids[$i]}" 2>/dev/null; then
      if ((restarts[i] == 0)); then
        echo "${names[$i]} exited: stopping everything" >&2
        stop_all 1
      fi
      dead+=("$i")
    fi
  done
  local delay longest=1 groups=()
  for i in "${dead[@]}"; do
    groups+=("${pids[$i]}")
    delay=${backoff[$i]:-1}
    ((SECONDS - started[i] < STABLE_SECONDS)) || delay=1
    backoff[i]=$((delay * 2 < MAX_BACKOFF ? delay * 2 : MAX_BACKOFF))
    ((delay > longest)) && longest=$delay
    echo "${names[$i]} exited after $((SECONDS - started[i])) s: restarting it in $delay s" >&2
  done
  stop_groups "${groups[@]}" # what it started may still run (uvicorn's workers after a kill -9)
  if ((longest > 1)); then
    sleep $((longest - 1)) &
    wait $! || true # a trapped Ctrl-C or SIGTERM stops everything meanwhile
  fi
  for i in "${dead[@]}"; do start "$i"; done
}

# 3. Wait for every process to be ready, then say where the shop is (last, so it stays visible).
ready() {
  local i="$1" check="${readies[$1]}"
  if [[ "$check" == file ]]; then
    [[ -e "$MERCATO_DATA_DIR/run/${names[$i]}.ready" ]]
  elif [[ "$check" == log:* ]]; then
    grep -Eq -- "${check#log:}" "$logs/${names[$i]}.log" 2>/dev/null
  else
    "$PY" -m mercato.platform.portcheck wait 0 "$check"
  fi
}
deadline=$((SECONDS + READY_TIMEOUT))
pending=("${!names[@]}")
while ((${#pending[@]})); do
  reap
  if ((SECONDS >= deadline)); then
    late=()
    for i in "${pending[@]}"; do late+=("${names[$i]}"); done
    echo "not ready after ${READY_TIMEOUT}s: ${late[*]}" >&2
    stop_all 1
  fi
  still=()
  for i in "${pending[@]}"; do ready "$i" || still+=("$i"); done
  pending=("${still[@]+"${still[@]}"}")
  ((${#pending[@]})) && sleep 0.5
done

shop="$API/docs"
for i in "${!names[@]}"; do
  if [[ "${names[$i]}" == storefront && "${readies[$i]}" =~ ^(https?://[^/]+) ]]; then
    shop="${BASH_REMATCH[1]}"
  fi
done
shop="${SHOP_URL:-$shop}"
cat <<EOF

  Mercato is ready. The shop is at $shop
  API $API/api/v1   docs $API/docs   health $API/readyz
  Ctrl-C stops everything.

EOF
# 4. Supervise until Ctrl-C, SIGTERM or a process without --restart exits.
ready_all=1
while true; do
  wait -n "${pids[@]}" "$watcher" || true
  reap
done
