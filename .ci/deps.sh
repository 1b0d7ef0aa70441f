#!/usr/bin/env bash
# Installs what the tests need when it is missing. Safe to run repeatedly.
set -euo pipefail
need=()
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }
# The real-browser test (web/browser_test.go) drives Debian's chromium at
# /usr/bin/chromium; its screenshots need a Chinese font. Without them the
# test is skipped, except when CI=true, where it fails.
[ -x /usr/bin/chromium ] || need+=(chromium)
installed fonts-wqy-microhei || need+=(fonts-wqy-microhei)
# The PostgreSQL tests (store, cmd/policybot's two-replica test) start a
# throwaway cluster with Debian's initdb and postgres; skipped without them,
# except when CI=true.
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need+=(postgresql)
if ((${#need[@]})); then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
  else
    echo "missing packages: ${need[*]} (run as root or install them; the tests that need them are skipped)" >&2
    [ "${CI:-}" != true ] || exit 1
  fi
fi
