#!/usr/bin/env bash
# Prints the claims of an access token (a JWT), decoded but NOT verified: reading a token needs no
# key, which is why services must check the signature before they believe a word of it. On stderr
# it says who issued the token and how many seconds it has left.
# Decode tokens here, on your machine: never paste one into a website.
#
# Usage: scripts/decode-token.sh [--header] [TOKEN]
#   TOKEN     default: the variable access_token, as the labs export it
#   --header  the token's header (alg, typ, kid) instead of its claims
#
# With jq installed the JSON is pretty-printed.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib/lab.sh
. "$(dirname "$0")/lib/lab.sh"

part=2
token=${access_token:-}
for arg in "$@"; do
  case $arg in
    -h | --help)
      usage
      exit 0
      ;;
    --header) part=1 ;;
    -*) usage_error "unknown argument '$arg'" ;;
    *) token=$arg ;;
  esac
done
[ -n "$token" ] || usage_error "no token: pass one, or export access_token=\$(scripts/get-token.sh alice)"
[[ $token =~ ^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$ ]] ||
  fail "this is not a JWT (three base64url parts separated by dots)"

# base64url → base64, with the padding JWTs leave out.
decode() {
  local segment
  segment=$(cut -d. -f"$1" <<<"$token" | tr '_-' '/+')
  case $((${#segment} % 4)) in
    1) fail "part $1 of the token is not base64url" ;;
    2) segment="$segment==" ;;
    3) segment="$segment=" ;;
  esac
  printf '%s' "$segment" | base64 --decode 2>/dev/null || fail "part $1 of the token is not base64url"
}

json=$(decode "$part")
claims=$(decode 2)
issuer=$(sed -n 's/.*"iss":"\([^"]*\)".*/\1/p' <<<"$claims")
expires=$(sed -n 's/.*"exp":\([0-9]*\).*/\1/p' <<<"$claims")
if [ -n "$expires" ]; then
  left=$((expires - $(date +%s)))
  if [ "$left" -gt 0 ]; then
    say "issued by ${issuer:-?}; expires in $left s"
  else
    say "issued by ${issuer:-?}; EXPIRED $((-left)) s ago"
  fi
fi
if command -v jq >/dev/null; then
  jq . <<<"$json"
else
  echo "$json"
fi
