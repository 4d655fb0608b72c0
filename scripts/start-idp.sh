#!/usr/bin/env bash
# The identity provider of `pnpm start`: the development IdP, or with IDP=keycloak a real Keycloak
# (scripts/start-keycloak.sh --foreground) under the same URLs, so nothing else changes.
#
# Usage: scripts/start-idp.sh
#
# Environment:
#   IDP  dev-idp (the default) or keycloak
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=SCRIPTDIR/lib/usage.sh
. scripts/lib/usage.sh
accept_only_help "$@"

case ${IDP:-dev-idp} in
  dev-idp) exec pnpm --filter @cns/dev-idp start ;;
  keycloak) exec scripts/start-keycloak.sh --foreground ;;
  *)
    echo "start-idp.sh: error: IDP must be dev-idp (the default) or keycloak, not '$IDP'" >&2
    exit 1
    ;;
esac
