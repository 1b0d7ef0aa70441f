#!/usr/bin/env bash
# Load benchmark of POST /api/chat (see README.md in this directory).
# Builds policybot, serves it offline on loopback with the rate limit off
# and a fresh data directory, drives it with wrk (32 connections for 20 s
# by default) and prints throughput, latency, errors and the server's peak
# memory (VmHWM).
#
#   web/loadtest/run.sh [-c CONNECTIONS] [-d SECONDS] [-t WRK_THREADS]
set -euo pipefail
cd "$(dirname "$0")/../.."
conns=32 secs=20 threads=1
while getopts "c:d:t:" o; do
  case $o in
    c) conns=$OPTARG ;;
    d) secs=$OPTARG ;;
    t) threads=$OPTARG ;;
    *) echo "usage: $0 [-c CONNECTIONS] [-d SECONDS] [-t WRK_THREADS]" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; true' EXIT
go build -o "$work/policybot" ./cmd/policybot
port=${POLICYBOT_LOAD_PORT:-18080}
env -i PATH="$PATH" HOME="$HOME" \
  POLICYBOT_ADDR="127.0.0.1:$port" POLICYBOT_DATA_DIR="$work/data" \
  POLICYBOT_RATE_LIMIT=0 LLM_PROVIDER=none POLICYBOT_LOG_LEVEL=warn \
  "$work/policybot" serve >"$work/stdout" 2>"$work/stderr" &
pid=$!
for _ in $(seq 600); do
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/stderr" >&2; exit 1; }
  sleep 0.1
done
echo "policybot pid $pid on 127.0.0.1:$port; $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
# CPU seconds (clock ticks) used by the whole machine and by the server, to
# tell a slow server from a busy machine.
hz=$(getconf CLK_TCK)
busy() { awk '/^cpu / {print $2+$3+$4+$7+$9}' /proc/stat; }     # user nice system irq steal
softirq() { awk '/^cpu / {print $8}' /proc/stat; }             # loopback TCP is mostly here
proc_cpu() { awk '{print $14+$15}' "/proc/$1/stat"; }
busy0=$(busy) srv0=$(proc_cpu "$pid") soft0=$(softirq)
TIMEFORMAT="%U %S"
{ time wrk -t"$threads" -c"$conns" -d"${secs}s" --latency -s web/loadtest/chat.lua "http://127.0.0.1:$port/api/chat" 2>&1; } 2>"$work/wrktime"
busy1=$(busy) srv1=$(proc_cpu "$pid") soft1=$(softirq)
read -r wu ws <"$work/wrktime"
awk -v hz="$hz" -v all=$((busy1 - busy0)) -v srv=$((srv1 - srv0)) -v soft=$((soft1 - soft0)) -v wu="$wu" -v ws="$ws" -v n="$(nproc)" -v secs="$secs" 'BEGIN {
  printf "CPU during the run (of %d s available): policybot %.1f s, wrk %.1f s, kernel softirq (network) %.1f s, other processes %.1f s\n",
    n * secs, srv / hz, wu + ws, soft / hz, all / hz - srv / hz - (wu + ws) }'
echo "server peak RSS: $(awk '/VmHWM/ {printf "%.1f MB", $2/1024}' /proc/$pid/status)"
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=
# wrk hangs up on the requests in flight when it stops; those log
# "context canceled" and are not counted.
if grep -qv "context canceled" "$work/stderr"; then echo "server log:"; cat "$work/stderr"; fi
[ "$status" = 0 ] || { echo "policybot exited with status $status" >&2; exit 1; }
