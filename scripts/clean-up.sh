#!/usr/bin/env bash
# Removes what the labs created in the cluster: the Istio configuration of istio/, everything from
# k8s/ (the namespace demo, and with it Keycloak, the services and the secret keycloak-admin), and
# the TLS secret demo-credential. Istio itself stays unless --istio is given; the files in
# .cache/tls stay unless --certificates is given. Running it again is harmless.
# `minikube delete` removes the whole cluster instead.
#
# Usage: scripts/clean-up.sh [--istio] [--certificates]
#   --istio         also uninstall Istio (istioctl uninstall --purge) and delete istio-system
#   --certificates  also delete the lab CA and the certificate in .cache/tls (remove the CA from
#                   your browser's or system's trust store yourself, if you added it there)
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib/lab.sh
. "$(dirname "$0")/lib/lab.sh"

istio=false
certificates=false
for arg in "$@"; do
  case $arg in
    -h | --help)
      usage
      exit 0
      ;;
    --istio) istio=true ;;
    --certificates) certificates=true ;;
    *) usage_error "unknown argument '$arg'" ;;
  esac
done
$istio && need istioctl
require_cluster

if kube get crd authorizationpolicies.security.istio.io -o name >/dev/null 2>&1; then
  for manifest in 07-token-exchange 06-network-policies 05-authorization 04-request-authentication 03-mtls-strict \
    02-destination-rules 01-ingress; do
    say "deleting what istio/$manifest.yaml created"
    kube delete -f "$LAB_ROOT/istio/$manifest.yaml" --ignore-not-found >&2 ||
      fail "kubectl could not delete it (see above)"
  done
else
  say "Istio's resource types are not installed: no Istio configuration to delete"
fi

say "deleting everything from k8s/, the namespace $APP_NAMESPACE included (this waits until it is gone)"
kubectl delete -k "$LAB_ROOT/k8s" --ignore-not-found --timeout 300s >&2 ||
  fail "kubectl could not delete it (see above)"
say "deleting the secret $TLS_SECRET in $ISTIO_NAMESPACE"
kube delete secret "$TLS_SECRET" --namespace "$ISTIO_NAMESPACE" --ignore-not-found >&2 ||
  fail "kubectl could not delete it (see above)"

if $istio; then
  say "uninstalling Istio"
  istioctl uninstall --purge --skip-confirmation >&2 || fail "istioctl uninstall failed (see above)"
  kubectl delete namespace "$ISTIO_NAMESPACE" --ignore-not-found --timeout 300s >&2 ||
    fail "kubectl could not delete the namespace $ISTIO_NAMESPACE"
fi
if $certificates; then
  say "deleting ${TLS_DIR#"$LAB_ROOT"/}"
  rm -rf "$TLS_DIR"
fi
say "done"
