#!/usr/bin/env bash
# Lab 2: installs Istio with the demo profile (istiod, an ingress and an egress gateway), waits
# until it runs, and creates the app's namespace demo with sidecar injection on
# (k8s/namespace.yaml: label istio-injection=enabled). Running it again changes nothing that is
# already in place.
#
# Usage: scripts/setup-istio.sh
#
# Environment:
#   ISTIO_TIMEOUT  seconds to wait for each Istio deployment (default 300)
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib/lab.sh
. "$(dirname "$0")/lib/lab.sh"

accept_only_help "$@"
timeout=$(seconds_setting ISTIO_TIMEOUT 300)
readonly JWKS_REFRESH_INTERVAL=1m

need istioctl
require_cluster

say "istioctl $(istioctl version --remote=false --short 2>/dev/null || echo '(version unknown)')"
say "checking the cluster for Istio (istioctl x precheck)"
istioctl x precheck >&2 || fail "istioctl found problems with this cluster (see above)"

# istiod fetches the signing keys of a RequestAuthentication itself and refreshes them every 20
# minutes by default: after Keycloak rotated its keys, the mesh would refuse every new token for up
# to that long. One minute bounds it (see istio/README.md).
say "installing Istio with the demo profile, refreshing Keycloak's keys every $JWKS_REFRESH_INTERVAL"
istioctl install --set profile=demo \
  --set "values.pilot.env.PILOT_JWT_PUB_KEY_REFRESH_INTERVAL=$JWKS_REFRESH_INTERVAL" \
  --skip-confirmation >&2 || fail "istioctl install failed (see above)"

for deployment in istiod istio-ingressgateway istio-egressgateway; do
  say "waiting for $deployment"
  kubectl rollout status "deployment/$deployment" --namespace "$ISTIO_NAMESPACE" --timeout "${timeout}s" >&2 ||
    fail "$deployment is not ready after $timeout s: see 'kubectl get pods -n $ISTIO_NAMESPACE'"
done

say "creating the namespace $APP_NAMESPACE with sidecar injection"
kube apply -f "$LAB_ROOT/k8s/namespace.yaml" >&2 || fail "kubectl could not apply k8s/namespace.yaml"
injection=$(kube get namespace "$APP_NAMESPACE" -o jsonpath='{.metadata.labels.istio-injection}')
[ "$injection" = enabled ] || fail "the namespace $APP_NAMESPACE has istio-injection='$injection', not 'enabled'"

kube get pods --namespace "$ISTIO_NAMESPACE"
say "Istio is ready; every pod created in $APP_NAMESPACE from now on gets a sidecar"
