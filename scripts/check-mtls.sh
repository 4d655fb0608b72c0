#!/usr/bin/env bash
# The permissive/strict test of lab 6: calls web-api from outside the mesh, in plain HTTP (no TLS,
# no client certificate), with a fresh access token, and prints what the mesh did:
#   PERMISSIVE: plaintext accepted (HTTP 200)     web-api's sidecar let plain HTTP in
#   STRICT: plaintext refused (connection reset)  the sidecar only speaks mutual TLS
# Any HTTP answer means plaintext got in, whatever the status: the status is web-api's (or a
# policy's) verdict on the request, not the mesh's on the connection.
#
# Usage: scripts/check-mtls.sh --expect strict|permissive [--user USER]
#   --expect  the mode you expect; the exit status says whether the check agreed
#   --user    whose token to send (default alice; the password is the user name)
#
# Environment:
#   WEBAPI_URL    web-api in plain HTTP. Default: its NodePort (http://<node>:<nodePort>, the node
#                 from `minikube ip` or the cluster's nodes), or, when no cluster answers, the local
#                 stack's http://localhost:8081 (WEBAPI_PORT moves it, as for pnpm start)
#   MTLS_TIMEOUT  seconds to wait for web-api (default 10)
#   TOKEN_URL and the other settings of scripts/get-token.sh, which fetches the token
#
# Exit status: 0 the expectation held; 1 it did not (the other mode, or no answer at all);
# 2 the check could not run (bad usage, no token).
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib/lab.sh
. "$(dirname "$0")/lib/lab.sh"

expect=''
user=alice
while [ $# -gt 0 ]; do
  case $1 in
    -h | --help)
      usage
      exit 0
      ;;
    --expect | --user)
      [ $# -ge 2 ] || usage_error "$1 needs a value"
      if [ "$1" = --expect ]; then expect=$2; else user=$2; fi
      shift 2
      ;;
    --expect=*) expect=${1#*=} && shift ;;
    --user=*) user=${1#*=} && shift ;;
    *) usage_error "unknown argument '$1'" ;;
  esac
done
case $expect in
  strict | permissive) ;;
  '') usage_error "--expect strict or --expect permissive is required" ;;
  *) usage_error "--expect must be strict or permissive, not '$expect'" ;;
esac
timeout=$(seconds_setting MTLS_TIMEOUT 10)
need curl

url=$(FAIL_STATUS=2 webapi_url)
case $url in
  http://*) ;;
  *) FAIL_STATUS=2 fail "WEBAPI_URL must be a plain http:// URL (the point is to skip TLS), not '$url'" ;;
esac
token=$("$(dirname "$0")/get-token.sh" "$user" "$user") ||
  FAIL_STATUS=2 fail "could not get a token for $user (see above)"

body=$(mktemp)
trap 'rm -f "$body" "$body.err"' EXIT
say "GET $url/articles in plain HTTP with $user's token"
set +e
status=$(curl -sS --max-time "$timeout" -o "$body" -w '%{http_code}' \
  -H "Authorization: Bearer $token" "$url/articles" 2>"$body.err")
code=$?
set -e
[ ! -s "$body.err" ] || sed 's/^/  /' "$body.err" >&2

case $code in
  0)
    observed=permissive
    verdict="PERMISSIVE: plaintext accepted (HTTP $status)"
    if [ "$status" != 200 ]; then
      say "the request got in, but was refused: $(head -c 200 "$body" | tr '\n' ' ')"
    fi
    ;;
  55 | 56)
    observed=strict
    verdict="STRICT: plaintext refused (connection reset)"
    ;;
  52)
    observed=strict
    verdict="STRICT: plaintext refused (connection closed without an answer)"
    ;;
  *)
    observed=none
    verdict="NO VERDICT: $(curl_problem "$code") at $url"
    ;;
esac
echo "$verdict"
if [ "$observed" = "$expect" ]; then
  say "as expected: $expect"
  exit 0
fi
say "expected $expect, but $( [ "$observed" = none ] && echo "web-api could not be reached" || echo "the mesh is $observed")"
exit 1
