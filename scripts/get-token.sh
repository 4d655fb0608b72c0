#!/usr/bin/env bash
# Prints an access token of a user of the realm `quarkus`, and nothing else on stdout, so that
#   export access_token=$(scripts/get-token.sh alice)
# works. It asks the token endpoint with the password grant of the public client `labs-cli`, as
# the labs' curl does (the web-app's client `frontend` has no password grant). Access tokens live
# 60 seconds: get a fresh one for every step.
#
# Usage: scripts/get-token.sh USER [PASSWORD]
#   USER      alice, admin, jdoe (realm role `user`) or guest (no role)
#   PASSWORD  default: the user name (alice/alice, admin/admin, jdoe/jdoe, guest/guest)
#
# Environment:
#   TOKEN_URL    the token endpoint. Default: through the cluster's ingress,
#                https://demo.k8s.local/auth/realms/quarkus/protocol/openid-connect/token
#                (the host is read from the VirtualService), or, when no cluster answers, the
#                local stack's http://localhost:8080/auth/realms/quarkus/protocol/openid-connect/token
#                (KEYCLOAK_PORT moves it, as for pnpm start)
#   INGRESS_URL  the app's public URL, instead of reading it from the cluster
#   CA_CERT      the CA to trust for HTTPS (default: .cache/tls/ca.crt, made in lab 3)
#   INGRESS_ADDRESS  the IP address to reach the ingress host at, if it is not in /etc/hosts
#   LAB_TARGET   cluster or local, to skip looking for a cluster
#   CLIENT_ID    default labs-cli
#   RELAY_MODE   forward (the default): the token names web-api and articles, as web-api relays it
#                to articles (it asks for the realm's optional scope articles-audience, as the
#                web-app does); exchange: the token names web-api alone, as the web-app's do when
#                web-api exchanges them (lab 11)
#
# Exit status: 0 with a token, 1 when the identity provider refused or failed, 2 on bad usage.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib/lab.sh
. "$(dirname "$0")/lib/lab.sh"

case ${1:-} in
  -h | --help)
    usage
    exit 0
    ;;
  '') usage_error "USER is missing: scripts/get-token.sh USER [PASSWORD]" ;;
  -*) usage_error "unknown option '$1'" ;;
esac
[ $# -le 2 ] || usage_error "too many arguments: scripts/get-token.sh USER [PASSWORD]"
user=$1
password=${2:-$1}
need curl
case ${RELAY_MODE:-forward} in
  forward) scope=articles-audience ;;
  exchange) scope= ;;
  *) usage_error "RELAY_MODE must be forward (the default) or exchange, not '$RELAY_MODE'" ;;
esac

url=$(token_url)
case $url in
  https://*) curl_ingress_options "$url" ;;
  http://*) CURL_INGRESS_OPTIONS=() ;;
  *) FAIL_STATUS=2 fail "TOKEN_URL must be an http(s) URL, not '$url'" ;;
esac

body=$(mktemp)
trap 'rm -f "$body" "$body.err"' EXIT
# --data-urlencode: passwords may contain & or =.
set +e
status=$(curl -sS --max-time "${TOKEN_TIMEOUT:-15}" -o "$body" -w '%{http_code}' \
  ${CURL_INGRESS_OPTIONS[@]+"${CURL_INGRESS_OPTIONS[@]}"} \
  --data-urlencode "username=$user" --data-urlencode "password=$password" \
  --data-urlencode "grant_type=password" --data-urlencode "client_id=${CLIENT_ID:-labs-cli}" \
  ${scope:+--data-urlencode "scope=$scope"} "$url" 2>"$body.err")
code=$?
set -e
if [ $code -ne 0 ]; then
  sed 's/^/  /' "$body.err" >&2
  fail "no answer from $url: $(curl_problem $code)"
fi

# JSON members read without jq; token characters are base64url and dots.
member() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" "$body"; }
token=$(member access_token)
if [ "$status" != 200 ] || [ -z "$token" ]; then
  error=$(member error)
  if [ -n "$error" ]; then
    fail "the identity provider refused $user (HTTP $status): $error ($(member error_description))"
  fi
  fail "$url answered HTTP $status without a token: $(head -c 200 "$body" | tr '\n' ' ')"
fi
expires=$(sed -n 's/.*"expires_in":\([0-9]*\).*/\1/p' "$body")
say "access token of $user from $url, valid for ${expires:-?} s"
echo "$token"
