#!/usr/bin/env bash
# Isolation benchmark (issue 13): with N questions waiting for a slow
# language model, questions that need no model must still answer at once.
# Builds policybot and the isolation driver, starts a fake OpenAI-compatible
# model that takes DELAY to answer, serves policybot against it on
# loopback (rate limit off, fresh data directory), keeps SLOW questions
# that need the model in flight and measures FAST clients asking questions
# that need none. See README.md in this directory.
#
#   web/loadtest/isolation.sh [-s SLOW] [-f FAST] [-d SECONDS] [-m MODEL_DELAY] [-b POLICYBOT_BINARY]
set -euo pipefail
cd "$(dirname "$0")/../.."
slow=200 fast=4 secs=20 delay=10s bin=
while getopts "s:f:d:m:b:" o; do
  case $o in
    s) slow=$OPTARG ;;
    f) fast=$OPTARG ;;
    d) secs=$OPTARG ;;
    m) delay=$OPTARG ;;
    b) bin=$OPTARG ;;
    *) echo "usage: $0 [-s SLOW] [-f FAST] [-d SECONDS] [-m MODEL_DELAY] [-b POLICYBOT_BINARY]" >&2; exit 2 ;;
  esac
done
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$work"; true' EXIT
if [ -z "$bin" ]; then
  go build -o "$work/policybot" ./cmd/policybot
  bin=$work/policybot
fi
go build -o "$work/isolation" ./web/loadtest/isolation
port=${POLICYBOT_LOAD_PORT:-18080}
mport=${POLICYBOT_MODEL_PORT:-18181}
"$work/isolation" model -addr "127.0.0.1:$mport" -delay "$delay" 2>"$work/model.log" &
pids+=($!)
env -i PATH="$PATH" HOME="$HOME" \
  POLICYBOT_ADDR="127.0.0.1:$port" POLICYBOT_DATA_DIR="$work/data" \
  POLICYBOT_RATE_LIMIT=0 POLICYBOT_LOG_LEVEL=warn \
  LLM_PROVIDER=openai LLM_BASE_URL="http://127.0.0.1:$mport/v1" LLM_MODEL=slow \
  LLM_TIMEOUT=120s LLM_DEADLINE=300s \
  "$bin" serve >"$work/stdout" 2>"$work/stderr" &
pid=$!
pids+=($pid)
for _ in $(seq 600); do
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/stderr" >&2; exit 1; }
  sleep 0.1
done
echo "policybot pid $pid on 127.0.0.1:$port, model delay $delay; $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$work/isolation" drive -url "http://127.0.0.1:$port" -slow "$slow" -fast "$fast" -duration "${secs}s"
echo "server peak RSS: $(awk '/VmHWM/ {printf "%.1f MB", $2/1024}' /proc/$pid/status)"
if grep -qv "context canceled" "$work/stderr"; then echo "server log (last lines):"; tail -5 "$work/stderr"; fi
