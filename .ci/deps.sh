#!/usr/bin/env bash
# Installs what the tests need when it is missing. Safe to run repeatedly.
set -euo pipefail
need=()
# Nothing system-wide is needed yet beyond Go; later issues add chromium,
# fonts-wqy-microhei and postgresql here.
if ((${#need[@]})); then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
  else
    echo "missing packages: ${need[*]} (run as root or install them)" >&2
    exit 1
  fi
fi
