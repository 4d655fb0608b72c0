#!/usr/bin/env bash
# One app of `pnpm start`: the settings of its local.env, with the ports the environment names,
# so one setting moves an app for `pnpm start` and for the lab scripts alike (for example
# `KEYCLOAK_PORT=9080 pnpm start` when 8080 is taken, then `KEYCLOAK_PORT=9080 scripts/get-token.sh alice`).
#
# Usage: scripts/start-service.sh idp|articles|web-api|web-app
#
# Environment:
#   KEYCLOAK_PORT  the identity provider's port, dev-idp's or Keycloak's (default 8080); part of
#                  the issuer the services trust
#   WEBAPI_PORT    web-api's port (default 8081)
#   ARTICLES_PORT  articles' port (default 8082)
#   WEBAPI_MANAGEMENT_PORT, ARTICLES_MANAGEMENT_PORT
#                  their health and metrics ports (default 9081 and 9082)
#   IDP            dev-idp (the default) or keycloak
#   RELAY_MODE     forward (the default): web-api relays the caller's token to articles;
#                  exchange: web-api exchanges it at the IdP for a token meant for articles alone,
#                  and articles accepts only those; the web-app's tokens then name web-api alone
#                  (lab 11); needs WEB_API_CLIENT_SECRET
#   WEB_API_CLIENT_SECRET  the secret of the realm's client web-api, for both the IdP and web-api,
#                  e.g. `export WEB_API_CLIENT_SECRET=$(openssl rand -hex 32)`
# The web-app always listens on http://localhost:5173: the realm allows exactly that origin as a
# redirect URI.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=SCRIPTDIR/lib/lab.sh
. scripts/lib/lab.sh

[ $# -eq 1 ] || usage_error "name one app: idp, articles, web-api or web-app"
case $1 in -h | --help) accept_only_help "$1" ;; esac

issuer=$LOCAL_IDP_URL/auth/realms/$REALM
oidc() { export OIDC_ISSUER=$issuer OIDC_JWKS_URI=$issuer/protocol/openid-connect/certs; }
export KEYCLOAK_PORT WEBAPI_PORT ARTICLES_PORT
WEBAPI_MANAGEMENT_PORT=$(port_setting WEBAPI_MANAGEMENT_PORT 9081)
ARTICLES_MANAGEMENT_PORT=$(port_setting ARTICLES_MANAGEMENT_PORT 9082)
case ${RELAY_MODE:=forward} in
  forward) ;;
  exchange)
    [ -n "${WEB_API_CLIENT_SECRET:-}" ] ||
      fail "RELAY_MODE=exchange needs WEB_API_CLIENT_SECRET, e.g. export WEB_API_CLIENT_SECRET=\$(openssl rand -hex 32)"
    ;;
  *) fail "RELAY_MODE must be forward (the default) or exchange, not '$RELAY_MODE'" ;;
esac

case $1 in
  idp)
    case ${IDP:-dev-idp} in
      dev-idp) PORT=$KEYCLOAK_PORT PUBLIC_URL=$LOCAL_IDP_URL exec pnpm --filter @cns/dev-idp start ;;
      keycloak) exec scripts/start-keycloak.sh --foreground ;;
      *) fail "IDP must be dev-idp (the default) or keycloak, not '$IDP'" ;;
    esac
    ;;
  articles)
    oidc
    # In exchange mode only tokens that web-api obtained by exchange.
    [ "$RELAY_MODE" = exchange ] && export OIDC_AUTHORIZED_PARTIES=web-api
    PORT=$ARTICLES_PORT MANAGEMENT_PORT=$ARTICLES_MANAGEMENT_PORT exec pnpm --filter @cns/articles start
    ;;
  web-api)
    oidc
    if [ "$RELAY_MODE" = exchange ]; then
      export RELAY_MODE WEB_API_CLIENT_SECRET OIDC_TOKEN_ENDPOINT=$issuer/protocol/openid-connect/token
    fi
    PORT=$WEBAPI_PORT MANAGEMENT_PORT=$WEBAPI_MANAGEMENT_PORT ARTICLES_URL=http://127.0.0.1:$ARTICLES_PORT \
      exec pnpm --filter @cns/web-api start
    ;;
  web-app) exec pnpm --filter @cns/web-app start ;;
  *) usage_error "unknown app '$1': idp, articles, web-api or web-app" ;;
esac
