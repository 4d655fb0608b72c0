#!/usr/bin/env bash
# Stops the Keycloak that scripts/start-keycloak.sh started in the background on KEYCLOAK_PORT
# (default 8080). Does nothing if none is running.
#
# Usage: scripts/stop-keycloak.sh
#
# Environment:
#   KEYCLOAK_PORT  the port it was started on (default 8080)
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib/keycloak.sh
. "$(dirname "$0")/lib/keycloak.sh"
accept_only_help "$@"

if ! pid=$(running_pid); then
  rm -f "$PID_FILE"
  say "no Keycloak started by scripts/start-keycloak.sh is running on port $KEYCLOAK_PORT"
  exit 0
fi
say "stopping Keycloak (pid $pid)"
kill -TERM "$pid"
for _ in $(seq 1 30); do
  if ! kill -0 "$pid" 2>/dev/null; then
    rm -f "$PID_FILE"
    say "stopped"
    exit 0
  fi
  sleep 1
done
# kc.sh runs Java as its child; both go.
kill -KILL $(pgrep -P "$pid") "$pid" 2>/dev/null || true
rm -f "$PID_FILE"
fail "Keycloak (pid $pid) did not stop within 30 s and was killed"
