#!/usr/bin/env bash
# `pnpm test:keycloak`: the integration suites and the browser tests against a real Keycloak,
# started by scripts/start-keycloak.sh on port 8080, the URLs the development IdP serves, then
# `IDP=keycloak pnpm start` as the README describes it, and last Keycloak with the settings of the
# cluster's pod (k8s/) on a PostgreSQL server of its own, restarted once. Needs ports 8080-8082,
# 9081, 9082 and 5173 free, and Debian's package postgresql.
#
# Usage: scripts/test-keycloak.sh   (or: pnpm test:keycloak)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=SCRIPTDIR/lib/usage.sh
. scripts/lib/usage.sh
accept_only_help "$@"

export KEYCLOAK_PORT=8080
# The secret Keycloak imports for the confidential client web-api; the suites exchange tokens with it.
WEB_API_CLIENT_SECRET=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
export WEB_API_CLIENT_SECRET
issuer="http://localhost:$KEYCLOAK_PORT/auth/realms/quarkus"
step() { printf '\ntest-keycloak: == %s ==\n' "$*"; }

step "starting Keycloak with the repository's realm"
trap 'scripts/stop-keycloak.sh' EXIT
scripts/start-keycloak.sh

step "the labs' password grant, with curl"
token=$(curl -fsS -d username=alice -d password=alice -d grant_type=password -d client_id=labs-cli \
  "$issuer/protocol/openid-connect/token" | sed -n 's|.*"access_token":"\([^"]*\)".*|\1|p')
if [ -z "$token" ]; then
  echo "test-keycloak: error: Keycloak's token endpoint returned no access token for alice" >&2
  exit 1
fi
echo "test-keycloak: Keycloak issued alice an access token (${#token} characters)"

step "the service chain and the IdP parity checks, forward and exchange"
KEYCLOAK_ISSUER=$issuer pnpm exec vitest run --reporter=verbose \
  tests/reliability/chain.test.ts apps/dev-idp/test/keycloak-parity.test.ts \
  tests/reliability/exchange-chain.test.ts apps/dev-idp/test/token-exchange-parity.test.ts

step "browser tests"
KEYCLOAK_ISSUER=$issuer pnpm run test:e2e

step "IDP=keycloak pnpm start: the lab curl's token at web-api"
scripts/stop-keycloak.sh
IDP=keycloak pnpm exec vitest run --reporter=verbose --project integration:stack tests/stack/start-command.test.ts

step "Keycloak with the cluster pod's settings on PostgreSQL, restarted once (it rebuilds its server first: minutes)"
# Debian's package postgresql keeps the programs out of PATH, in /usr/lib/postgresql/<major>/bin.
postgres_bin=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin 2>/dev/null | sort -V | tail -n 1)
if [ ! -x "$postgres_bin/initdb" ]; then
  echo "test-keycloak: error: no PostgreSQL in /usr/lib/postgresql: install Debian's package postgresql" >&2
  exit 1
fi
POSTGRES_BIN=$postgres_bin KEYCLOAK_DIST=$(. scripts/lib/keycloak.sh && echo "$KEYCLOAK_HOME") \
  pnpm exec vitest run --reporter=verbose --project integration:stack tests/stack/keycloak-pod-settings.test.ts
