#!/usr/bin/env bash
# Lab 6: switches the namespace demo to STRICT mutual TLS (istio/03-mtls-strict.yaml), or back to
# Istio's default, PERMISSIVE, with --revert. Under STRICT every sidecar refuses connections that
# are not mutual TLS, so plain HTTP from outside the mesh (a NodePort) is reset; traffic through
# the ingress gateway keeps working, because the gateway is in the mesh. Sidecars pick the change
# up within seconds; scripts/check-mtls.sh shows the result.
#
# Usage: scripts/apply-strict-mtls.sh [--revert]
#   --revert  delete the PeerAuthentications again (PERMISSIVE)
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib/lab.sh
. "$(dirname "$0")/lib/lab.sh"

revert=false
for arg in "$@"; do
  case $arg in
    -h | --help)
      usage
      exit 0
      ;;
    --revert) revert=true ;;
    *) usage_error "unknown argument '$arg'" ;;
  esac
done
manifest=$LAB_ROOT/istio/03-mtls-strict.yaml
require_cluster

if $revert; then
  say "deleting the PeerAuthentications of istio/03-mtls-strict.yaml: back to PERMISSIVE"
  kube delete -f "$manifest" --ignore-not-found >&2 || fail "kubectl could not delete them (see above)"
  say "done: plain HTTP is accepted again (try scripts/check-mtls.sh --expect permissive)"
else
  say "applying istio/03-mtls-strict.yaml: STRICT mutual TLS in $APP_NAMESPACE"
  kube apply -f "$manifest" >&2 || fail "kubectl could not apply it (see above)"
  kube get peerauthentication --namespace "$APP_NAMESPACE"
  say "done: give the sidecars a few seconds, then try scripts/check-mtls.sh --expect strict"
fi
