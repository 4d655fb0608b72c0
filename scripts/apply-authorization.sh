#!/usr/bin/env bash
# Lab 7: Istio authorization. By default it applies the mesh's token checks
# (istio/04-request-authentication.yaml: RequestAuthentications, and policies that deny requests
# without a valid token) and then the workload policies (istio/05-authorization.yaml: allow
# nothing, then allow each caller by its service-account identity). The order matters twice:
# - istiod fetches Keycloak's signing keys the moment a RequestAuthentication arrives. If
#   allow-nothing is in place (lab 7, step 2) and Keycloak's own policies are not, Keycloak refuses
#   that fetch, and the sidecars get a key set that matches no token until istiod's next refresh.
#   So the policies of Keycloak and its database come first.
# - the policies for web-api and articles require a request principal, which only exists once the
#   RequestAuthentications are in place.
#
# Usage: scripts/apply-authorization.sh [--deny-all | --revert]
#   --deny-all  only the policy allow-nothing, and none of the others: every request to every
#               workload in demo is refused (RBAC: access denied), which shows what the allow
#               rules are for
#   --revert    delete everything both files created: back to no authorization in the mesh
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib/lab.sh
. "$(dirname "$0")/lib/lab.sh"

mode=apply
for arg in "$@"; do
  case $arg in
    -h | --help)
      usage
      exit 0
      ;;
    --deny-all) mode=deny-all ;;
    --revert) mode=revert ;;
    *) usage_error "unknown argument '$arg'" ;;
  esac
done
jwt=$LAB_ROOT/istio/04-request-authentication.yaml
policies=$LAB_ROOT/istio/05-authorization.yaml
require_cluster

# kubectl applies or deletes only the objects of the file whose labels match --selector.
case $mode in
  apply)
    say "applying the policies of Keycloak and its database first: istiod must be able to fetch the keys"
    kube apply -f "$policies" --selector lab-step=identity-provider >&2 ||
      fail "kubectl could not apply them (see above)"
    say "applying istio/04-request-authentication.yaml: the mesh checks tokens"
    kube apply -f "$jwt" >&2 || fail "kubectl could not apply it (see above)"
    say "applying istio/05-authorization.yaml: allow nothing, then each caller by identity"
    kube apply -f "$policies" >&2 || fail "kubectl could not apply it (see above)"
    ;;
  deny-all)
    say "applying only the AuthorizationPolicy allow-nothing from istio/05-authorization.yaml"
    kube apply -f "$policies" --selector lab-step=deny-all >&2 ||
      fail "kubectl could not apply it (see above)"
    say "removing the file's other policies, if present"
    kube delete -f "$policies" --selector 'lab-step!=deny-all' --ignore-not-found >&2 ||
      fail "kubectl could not delete them (see above)"
    ;;
  revert)
    say "deleting what istio/05-authorization.yaml and istio/04-request-authentication.yaml created"
    kube delete -f "$policies" --ignore-not-found >&2 || fail "kubectl could not delete them (see above)"
    kube delete -f "$jwt" --ignore-not-found >&2 || fail "kubectl could not delete them (see above)"
    ;;
esac
kube get authorizationpolicy,requestauthentication --namespace "$APP_NAMESPACE" 2>/dev/null || true
say "done: policies reach the sidecars within a few seconds"
