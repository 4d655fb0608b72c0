#!/usr/bin/env bash
# A one-page security report of the running app, as a table with one row per service:
#   PLAINTEXT VIA NODEPORT  does the service accept plain HTTP from outside the mesh, bypassing
#                           the ingress (it should not: STRICT mTLS resets it, lab 6)?
#   INGRESS CERTIFICATE     is the certificate at the ingress valid for the host, signed by a CA
#                           we trust (lab 3)?
#   NO TOKEN                is a request without a token refused?
#   WRONG ROLE              is a request with guest's token (no realm role `user`) refused?
# Each cell starts with `ok`, `RISK`, `-` (does not apply) or `?` (could not be checked). The
# token checks go through the ingress when it routes to the service, else straight to the service
# if plain HTTP gets in, and say which ([ingress] or [direct]).
#
# Usage: scripts/report-security.sh
#
# Environment:
#   ARTICLES_URL, WEBAPI_URL, WEBAPP_URL, KEYCLOAK_URL
#                   a service in plain HTTP, bypassing the ingress. Default: its NodePort
#                   (none: not exposed), or, when no cluster answers, the local stack's port
#   KEYCLOAK_PORT, WEBAPI_PORT, ARTICLES_PORT
#                   the local stack's ports, if pnpm start was moved (scripts/start-service.sh)
#   INGRESS_URL     the app's public URL (default: from the cluster's VirtualService; the local
#                   stack has no ingress)
#   CA_CERT, INGRESS_ADDRESS, TOKEN_URL  as for scripts/get-token.sh
#   REPORT_TIMEOUT  seconds to wait for each answer (default 5)
#
# Exit status: 0 no RISK; 1 at least one RISK; 2 the report could not be made.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib/lab.sh
. "$(dirname "$0")/lib/lab.sh"

accept_only_help "$@"
timeout=$(seconds_setting REPORT_TIMEOUT 5)
FAIL_STATUS=2
need curl
find_target

# service | path to probe | protected by a token?
readonly SERVICES="articles /articles yes
web-api /articles yes
web-app / no
keycloak /auth/realms/$REALM no"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# The direct plain-HTTP URL of a service, or nothing if it is not exposed.
direct_url() {
  local variable
  case $1 in
    articles) variable=ARTICLES_URL ;;
    web-api) variable=WEBAPI_URL ;;
    web-app) variable=WEBAPP_URL ;;
    keycloak) variable=KEYCLOAK_URL ;;
  esac
  if [ -n "${!variable:-}" ]; then
    echo "${!variable%/}"
  elif [ "$LAB_TARGET" = local ]; then
    case $1 in
      articles) echo "$LOCAL_ARTICLES_URL" ;;
      web-api) echo "$LOCAL_WEBAPI_URL" ;;
      web-app) echo "$LOCAL_WEBAPP_URL" ;;
      keycloak) echo "$LOCAL_IDP_URL" ;;
    esac
  else
    node_port_url "$1"
  fi
}

# "prefix service" per ingress route: the cluster's VirtualService, or the layout of
# istio/01-ingress.yaml when INGRESS_URL points elsewhere.
ingress_routes() {
  if [ "$LAB_TARGET" = cluster ] && [ -z "${INGRESS_URL:-}" ]; then
    kube get virtualservice "$VIRTUAL_SERVICE" -n "$APP_NAMESPACE" -o jsonpath='{range .spec.http[*]}{.match[0].uri.prefix}{" "}{.route[0].destination.host}{"\n"}{end}' |
      awk '{ split($NF, host, "."); print ($1 == host[1] || NF == 1 ? "/" : $1), host[1] }'
  else
    printf '%s\n' "/auth keycloak" "/articles web-api" "/ web-app"
  fi
}

# GET with a bound; sets REPLY_CODE (curl's exit code), REPLY_STATUS and REPLY_BODY (first line).
probe() {
  local url=$1 token=$2
  shift 2
  local auth=()
  [ -z "$token" ] || auth=(-H "Authorization: Bearer $token")
  set +e
  REPLY_STATUS=$(curl -sS --max-time "$timeout" -o "$scratch/body" -w '%{http_code}' \
    ${auth[@]+"${auth[@]}"} "$@" "$url" 2>"$scratch/err")
  REPLY_CODE=$?
  set -e
  REPLY_BODY=$(head -c 300 "$scratch/body" 2>/dev/null | head -n 1 || true)
  REPLY_ERROR=$(head -n 1 "$scratch/err")
}

# How a refusal reads: the service's JSON error code, or the mesh's plain-text reason.
refusal() {
  local error
  error=$(sed -n 's/.*"error":"\([^"]*\)".*/\1/p' <<<"$REPLY_BODY")
  echo "$REPLY_STATUS ${error:-$(cut -c1-40 <<<"$REPLY_BODY")}"
}

plaintext_cell() {
  local url=$1 token=$2
  if [ -z "$url" ]; then
    echo "ok|not exposed"
    return 0
  fi
  probe "$url" "$token"
  case $REPLY_CODE in
    0) echo "RISK|accepted (HTTP $REPLY_STATUS)" ;;
    55 | 56) echo "ok|refused (connection reset)" ;;
    52) echo "ok|refused (closed without an answer)" ;;
    7) echo "ok|closed (connection refused)" ;;
    28) echo "ok|blocked (no answer in $timeout s)" ;;
    *) echo "?|$(curl_problem "$REPLY_CODE")" ;;
  esac
}

certificate_cell() {
  local base=$1 host
  host=${base#https://}
  host=${host%%[:/]*}
  curl_ingress_options "$base"
  probe "$base/" '' ${CURL_INGRESS_OPTIONS[@]+"${CURL_INGRESS_OPTIONS[@]}"}
  case $REPLY_CODE in
    0) echo "ok|valid for $host" ;;
    51 | 60)
      case $REPLY_ERROR in
        *[Nn]ame* | *match*) echo "RISK|not issued for $host" ;;
        *) echo "RISK|not signed by a trusted CA" ;;
      esac
      ;;
    *) echo "?|$(curl_problem "$REPLY_CODE")" ;;
  esac
}

token_cell() {
  local url=$1 token=$2 via=$3
  shift 3
  probe "$url" "$token" "$@"
  case $REPLY_CODE in
    0) ;;
    *)
      echo "?|no answer: $(curl_problem "$REPLY_CODE") [$via]"
      return 0
      ;;
  esac
  case $REPLY_STATUS in
    401 | 403) echo "ok|refused $(refusal) [$via]" ;;
    2??) echo "RISK|accepted (HTTP $REPLY_STATUS) [$via]" ;;
    *) echo "?|HTTP $(refusal) [$via]" ;;
  esac
}

ingress=$(ingress_url)
routes=$(ingress_routes)
alice=$("$(dirname "$0")/get-token.sh" alice 2>"$scratch/token.err") || alice=''
guest=$("$(dirname "$0")/get-token.sh" guest 2>>"$scratch/token.err") || guest=''
if [ -z "$alice" ] || [ -z "$guest" ]; then
  say "could not get every token; the cells that need one say so:"
  grep -v '^get-token.sh: access token' "$scratch/token.err" | sed 's/^/  /' >&2 || true
fi

certificate=''
if [ -n "$ingress" ]; then certificate=$(certificate_cell "$ingress"); fi

table="SERVICE|PLAINTEXT VIA NODEPORT|INGRESS CERTIFICATE|NO TOKEN|WRONG ROLE (guest)"
risks=0
while read -r service path protected; do
  direct=$(direct_url "$service")
  [ -z "$direct" ] || direct=$direct$path
  plaintext=$(plaintext_cell "$direct" "$alice")
  prefix=$(awk -v s="$service" '$2 == s { print $1; exit }' <<<"$routes")

  if [ -z "$ingress" ]; then
    cert="-|no ingress (local stack)"
  elif [ -z "$prefix" ]; then
    cert="-|not routed"
  else
    cert=$certificate
  fi

  if [ "$protected" = no ]; then
    no_token="-|public"
    wrong_role="-|public"
  else
    target='' via=''
    if [ -n "$ingress" ] && [ -n "$prefix" ] && [ "${cert%%|*}" = ok ]; then
      target=$ingress$path via=ingress
      curl_ingress_options "$ingress"
    elif [ "${plaintext%%|*}" = RISK ]; then
      # Plain HTTP got in (plaintext_cell's only RISK), so the service itself is reachable.
      target=$direct via=direct
      CURL_INGRESS_OPTIONS=()
    fi
    if [ -z "$target" ]; then
      no_token="-|not reachable from here"
      wrong_role="-|not reachable from here"
    else
      no_token=$(token_cell "$target" '' "$via" ${CURL_INGRESS_OPTIONS[@]+"${CURL_INGRESS_OPTIONS[@]}"})
      if [ -n "$guest" ]; then
        wrong_role=$(token_cell "$target" "$guest" "$via" ${CURL_INGRESS_OPTIONS[@]+"${CURL_INGRESS_OPTIONS[@]}"})
      else
        wrong_role="?|no token for guest"
      fi
    fi
  fi

  row=$service
  for cell in "$plaintext" "$cert" "$no_token" "$wrong_role"; do
    [ "${cell%%|*}" != RISK ] || risks=$((risks + 1))
    row="$row|$(printf '%-4s %s' "${cell%%|*}" "${cell#*|}")"
  done
  table="$table
$row"
done <<<"$SERVICES"

if [ "$LAB_TARGET" = local ] && [ -z "${INGRESS_URL:-}" ]; then
  where="the local stack (pnpm start)"
else
  where="${ingress:-the cluster}, namespace $APP_NAMESPACE"
fi
echo "Security report for $where, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
awk -F'|' '
  { for (i = 1; i <= NF; i++) { cell[NR, i] = $i; if (length($i) > width[i]) width[i] = length($i) } columns = NF }
  END {
    for (r = 1; r <= NR; r++) {
      line = ""
      for (i = 1; i <= columns; i++) line = line sprintf(i < columns ? "%-" width[i] "s  " : "%s", cell[r, i])
      print line
    }
  }' <<<"$table"
echo
if [ "$risks" -eq 0 ]; then
  echo "No risks found."
  exit 0
fi
echo "$risks risk(s) found."
exit 1
