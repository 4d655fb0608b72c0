#!/usr/bin/env bash
# Starts a real Keycloak on this machine with the repository's realm, under the same URLs as the
# development IdP: http://localhost:8080/auth/realms/quarkus.
#
# The first run fetches the Keycloak server distribution (org.keycloak:keycloak-quarkus-dist,
# about 180 MB) from Maven Central with Maven; later runs reuse it. Every start imports the realm
# afresh: the database lives in memory, so the realm file is the only state.
#
# Usage: scripts/start-keycloak.sh [--foreground]
#   (default)     start in the background, wait until the realm answers, then return;
#                 scripts/stop-keycloak.sh stops it. Running it again while it runs is a no-op.
#   --foreground  stay attached and stream Keycloak's log; Ctrl-C stops it (used by
#                 `IDP=keycloak pnpm start`).
#
# Environment:
#   KEYCLOAK_PORT           listening port on 127.0.0.1 (default 8080); part of the issuer
#   KEYCLOAK_START_TIMEOUT  seconds to wait for the realm to answer (default 300)
#   JAVA_HOME               the JDK to use; without it the newest Java 17, 21 or 25 found on the
#                           PATH, in /usr/lib/jvm, /Library/Java/JavaVirtualMachines,
#                           ~/.sdkman/candidates/java or /opt/java is used
#   WEB_API_CLIENT_SECRET   the secret of the realm's confidential client web-api, for token
#                           exchange (RELAY_MODE=exchange); unset, a random one nobody knows
#   KC_BOOTSTRAP_ADMIN_USERNAME / KC_BOOTSTRAP_ADMIN_PASSWORD
#                           the admin console login of the master realm (default admin/admin)
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib/keycloak.sh
. "$(dirname "$0")/lib/keycloak.sh"

SUPPORTED_JAVA="17 21 25"
DEPENDENCY_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.11.0
START_TIMEOUT=${KEYCLOAK_START_TIMEOUT:-300}
foreground=false

for arg in "$@"; do
  case $arg in
    --foreground) foreground=true ;;
    -h | --help)
      usage
      exit 0
      ;;
    *) usage_error "unknown argument '$arg'" ;;
  esac
done
case $START_TIMEOUT in
  '' | *[!0-9]*) fail "KEYCLOAK_START_TIMEOUT must be a number of seconds, not '$START_TIMEOUT'" ;;
esac
[ -f "$REALM_FILE" ] || fail "the realm file $REALM_FILE is missing"
command -v curl >/dev/null || fail "curl is missing: it checks that Keycloak answers"

# Prints "<major> <java.home>" for a java binary, or nothing if it does not run.
java_version() {
  "$1" -XshowSettings:properties -version 2>&1 | awk -F' = ' '
    $1 ~ /^ *java\.specification\.version$/ { version = $2 }
    $1 ~ /^ *java\.home$/ { home = $2 }
    END { if (version != "") print version, home }'
}

is_supported() { [[ " $SUPPORTED_JAVA " == *" $1 "* ]]; }

# Sets JAVA_HOME to the newest supported Java, or fails naming what was found.
find_java() {
  local candidate found version home best=0 best_home='' rejected=()
  if [ -n "${JAVA_HOME:-}" ]; then
    [ -x "$JAVA_HOME/bin/java" ] || fail "JAVA_HOME=$JAVA_HOME has no bin/java; unset it or point it at a JDK (17, 21 or 25)"
    found=$(java_version "$JAVA_HOME/bin/java")
    [ -n "$found" ] || fail "$JAVA_HOME/bin/java does not run"
    version=${found%% *}
    is_supported "$version" ||
      fail "JAVA_HOME=$JAVA_HOME is Java $version; Keycloak $KEYCLOAK_VERSION runs on Java 17, 21 or 25"
    return 0
  fi
  shopt -s nullglob
  local candidates=(
    "$(command -v java || true)"
    /usr/lib/jvm/*/bin/java
    /Library/Java/JavaVirtualMachines/*/Contents/Home/bin/java
    "$HOME"/.sdkman/candidates/java/*/bin/java
    /opt/java/*/bin/java
  )
  shopt -u nullglob
  for candidate in "${candidates[@]}"; do
    [ -x "$candidate" ] || continue
    found=$(java_version "$candidate")
    [ -n "$found" ] || continue
    version=${found%% *}
    home=${found#* }
    if is_supported "$version"; then
      if [ "$version" -gt "$best" ]; then
        best=$version
        best_home=$home
      fi
    else
      rejected+=("Java $version at $candidate")
    fi
  done
  if [ -z "$best_home" ]; then
    local seen='no Java at all'
    [ ${#rejected[@]} -eq 0 ] || seen="only $(printf '%s, ' "${rejected[@]}" | sed 's/, $//')"
    fail "Keycloak $KEYCLOAK_VERSION needs Java 17, 21 or 25, and this machine has $seen
  (looked on the PATH and in /usr/lib/jvm, /Library/Java/JavaVirtualMachines, ~/.sdkman/candidates/java, /opt/java).
  Install one, e.g. 'sudo apt-get install openjdk-17-jre-headless' or 'brew install openjdk@21', or set JAVA_HOME."
  fi
  export JAVA_HOME=$best_home
}

# Unpacks the distribution into the cache, downloading it with Maven if ~/.m2 lacks it.
fetch_keycloak() {
  [ -x "$KEYCLOAK_HOME/bin/kc.sh" ] && return 0
  command -v mvn >/dev/null ||
    fail "Maven (mvn) is missing: it fetches Keycloak $KEYCLOAK_VERSION from Maven Central once.
  Install it, e.g. 'sudo apt-get install maven' or 'brew install maven'."
  mkdir -p "$CACHE_DIR"
  local staging="$CACHE_DIR/staging.$$" mvn_log="$CACHE_DIR/fetch.log" started=$SECONDS ticker
  rm -rf "$staging"
  say "fetching Keycloak $KEYCLOAK_VERSION (org.keycloak:keycloak-quarkus-dist, about 180 MB) with Maven; this takes a minute or two the first time"
  (
    trap 'kill "$nap" 2>/dev/null; exit 0' TERM
    while :; do
      sleep 15 &
      nap=$!
      wait "$nap"
      say "… still fetching ($((SECONDS - started)) s)"
    done
  ) &
  ticker=$!
  # The read timeouts make a stalled download fail instead of hanging (Maven 3.8 wagon, 3.9+ resolver).
  if ! mvn --batch-mode -Dstyle.color=never \
    -Dmaven.wagon.rto=60000 -Daether.connector.requestTimeout=60000 \
    "$DEPENDENCY_PLUGIN:unpack" \
    -Dartifact="org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:zip" \
    -DoutputDirectory="$staging" -DmarkersDirectory="$staging/markers" \
    >"$mvn_log" 2>&1; then
    kill "$ticker" 2>/dev/null || true
    grep -E '^\[ERROR\]' "$mvn_log" | head -n 5 >&2 || true
    fail "could not fetch Keycloak $KEYCLOAK_VERSION from Maven Central (full Maven log: $mvn_log)"
  fi
  kill "$ticker" 2>/dev/null || true
  grep -E 'Downloaded from [^:]+: .*keycloak-quarkus-dist' "$mvn_log" || say "found in the local Maven repository"
  [ -x "$staging/keycloak-$KEYCLOAK_VERSION/bin/kc.sh" ] ||
    fail "the download did not contain keycloak-$KEYCLOAK_VERSION/bin/kc.sh (see $mvn_log)"
  # Moved into place in one step, so an interrupted fetch never leaves a half-unpacked server.
  mv "$staging/keycloak-$KEYCLOAK_VERSION" "$KEYCLOAK_HOME"
  rm -rf "$staging"
  say "Keycloak $KEYCLOAK_VERSION unpacked into ${KEYCLOAK_HOME#"$REPO_ROOT"/} ($((SECONDS - started)) s)"
}

port_in_use() { (: >"/dev/tcp/127.0.0.1/$KEYCLOAK_PORT") 2>/dev/null; }

realm_answers() {
  curl -fsS --max-time 5 "$ISSUER/.well-known/openid-configuration" 2>/dev/null |
    grep -qF "\"issuer\":\"$ISSUER\""
}

log_hint() { $foreground || echo " (log: ${LOG_FILE#"$REPO_ROOT"/})"; }

# Waits until the realm answers, while the process with pid $1 lives, at most START_TIMEOUT s.
await_realm() {
  local pid=$1 started=$SECONDS next_note=$((SECONDS + 15))
  until realm_answers; do
    if ! kill -0 "$pid" 2>/dev/null; then
      $foreground || tail -n 30 "$LOG_FILE" >&2
      fail "Keycloak exited before the realm answered$(log_hint)"
    fi
    if [ $((SECONDS - started)) -ge "$START_TIMEOUT" ]; then
      kill -TERM "$pid" 2>/dev/null || true
      fail "Keycloak did not serve $ISSUER within $START_TIMEOUT s, so it was stopped$(log_hint)"
    fi
    if [ "$SECONDS" -ge "$next_note" ]; then
      say "… waiting for the realm to answer ($((SECONDS - started)) s)"
      next_note=$((SECONDS + 15))
    fi
    sleep 1
  done
}

if pid=$(running_pid); then
  $foreground && fail "Keycloak started by this script already runs on port $KEYCLOAK_PORT (pid $pid); stop it with scripts/stop-keycloak.sh"
  say "Keycloak is already running (pid $pid)"
  await_realm "$pid"
  say "Keycloak $KEYCLOAK_VERSION ready: issuer $ISSUER (scripts/stop-keycloak.sh stops it)"
  exit 0
fi
port_in_use && fail "port $KEYCLOAK_PORT is already in use (by 'pnpm start' or the development IdP?); stop that process or set KEYCLOAK_PORT"

find_java
say "using Java at $JAVA_HOME"
fetch_keycloak

mkdir -p "$RUN_DIR" "$KEYCLOAK_HOME/data/import"
# --import-realm reads every *.json in data/import; a copy renamed into place is never half-written.
cp "$REALM_FILE" "$KEYCLOAK_HOME/data/import/.quarkus-realm.json.$$"
mv "$KEYCLOAK_HOME/data/import/.quarkus-realm.json.$$" "$KEYCLOAK_HOME/data/import/quarkus-realm.json"

# The realm file names it as ${WEB_API_CLIENT_SECRET}; the import must never keep that text.
if [ -z "${WEB_API_CLIENT_SECRET:-}" ]; then
  WEB_API_CLIENT_SECRET=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
fi
export WEB_API_CLIENT_SECRET
export KC_BOOTSTRAP_ADMIN_USERNAME=${KC_BOOTSTRAP_ADMIN_USERNAME:-admin}
export KC_BOOTSTRAP_ADMIN_PASSWORD=${KC_BOOTSTRAP_ADMIN_PASSWORD:-admin}
# Each server keeps its transaction store apart, so servers on two ports can share one unpacked copy.
export JAVA_OPTS_APPEND="${JAVA_OPTS_APPEND:-} -Dquarkus.transaction-manager.object-store.directory=$RUN_DIR/transaction-logs"
# A fixed --hostname keeps the issuer http://localhost:<port>/auth/realms/quarkus whatever Host
# header a client sends; dev-mem is an in-memory database, so each start imports the realm afresh.
keycloak=(
  "$KEYCLOAK_HOME/bin/kc.sh" start-dev
  --db=dev-mem
  --http-host=127.0.0.1
  --http-port="$KEYCLOAK_PORT"
  --http-relative-path=/auth
  --hostname="http://localhost:$KEYCLOAK_PORT/auth"
  --import-realm
)

say "starting Keycloak $KEYCLOAK_VERSION on http://localhost:$KEYCLOAK_PORT/auth with the realm from ${REALM_FILE#"$REPO_ROOT"/}"
if $foreground; then
  "${keycloak[@]}" &
  pid=$!
  # kc.sh forwards TERM to Java; INT is ignored by background jobs, so it is translated here.
  trap 'kill -TERM "$pid" 2>/dev/null || true; wait "$pid" || true; exit 0' INT TERM
  await_realm "$pid"
  say "Keycloak $KEYCLOAK_VERSION ready: issuer $ISSUER, admin console http://localhost:$KEYCLOAK_PORT/auth/admin ($KC_BOOTSTRAP_ADMIN_USERNAME/…)"
  wait "$pid"
else
  nohup "${keycloak[@]}" >"$LOG_FILE" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$PID_FILE"
  await_realm "$pid"
  grep -E "Realm '[^']+' imported|Keycloak $KEYCLOAK_VERSION .* started in" "$LOG_FILE" | sed 's/^/  keycloak: /' || true
  say "Keycloak $KEYCLOAK_VERSION ready: issuer $ISSUER, admin console http://localhost:$KEYCLOAK_PORT/auth/admin ($KC_BOOTSTRAP_ADMIN_USERNAME/…)"
  say "log: ${LOG_FILE#"$REPO_ROOT"/}; stop it with scripts/stop-keycloak.sh"
fi
