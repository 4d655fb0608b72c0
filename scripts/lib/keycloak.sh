# Settings shared by start-keycloak.sh and stop-keycloak.sh. Sourced, not run.
# shellcheck shell=bash disable=SC2034

KEYCLOAK_VERSION=26.7.3
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=SCRIPTDIR/usage.sh
. "$REPO_ROOT/scripts/lib/usage.sh"
REALM_FILE="$REPO_ROOT/k8s/keycloak/quarkus-realm.json"
KEYCLOAK_PORT=$(port_setting KEYCLOAK_PORT 8080)
# Kept out of git (.gitignore); delete it to start from a clean download.
CACHE_DIR="$REPO_ROOT/.cache/keycloak"
KEYCLOAK_HOME="$CACHE_DIR/keycloak-$KEYCLOAK_VERSION"
# One directory per port: pid file, log and transaction store of that server.
RUN_DIR="$CACHE_DIR/run-$KEYCLOAK_PORT"
PID_FILE="$RUN_DIR/keycloak.pid"
LOG_FILE="$RUN_DIR/keycloak.log"
ISSUER="http://localhost:$KEYCLOAK_PORT/auth/realms/quarkus"

say() { echo "${0##*/}: $*"; }
fail() {
  echo "${0##*/}: error: $*" >&2
  exit 1
}

# The pid in PID_FILE, if that process is alive and is a Keycloak started from our cache.
running_pid() {
  local pid
  [ -f "$PID_FILE" ] || return 1
  pid=$(cat "$PID_FILE")
  case $pid in '' | *[!0-9]*) return 1 ;; esac
  kill -0 "$pid" 2>/dev/null || return 1
  ps -p "$pid" -o args= 2>/dev/null | grep -q "keycloak-$KEYCLOAK_VERSION" || return 1
  echo "$pid"
}
