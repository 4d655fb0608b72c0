#!/usr/bin/env bash
# Lab 5: deploys articles, web-api and web-app (everything in k8s/, with Keycloak unchanged) and
# the DestinationRules (istio/02-destination-rules.yaml), then waits until every pod is ready.
# The images must be in the cluster first: scripts/build-images.sh builds them inside minikube,
# or pass --build to have this script run it. Running it again changes nothing that is already in
# place.
#
# Usage: scripts/deploy-services.sh [--build]
#   --build  run scripts/build-images.sh first
#
# Environment:
#   DEPLOY_TIMEOUT  seconds to wait for each deployment (default 300)
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib/lab.sh
. "$(dirname "$0")/lib/lab.sh"

build=false
for arg in "$@"; do
  case $arg in
    -h | --help)
      usage
      exit 0
      ;;
    --build) build=true ;;
    *) usage_error "unknown argument '$arg'" ;;
  esac
done
timeout=$(seconds_setting DEPLOY_TIMEOUT 300)

require_cluster
kube get deployment keycloak --namespace "$APP_NAMESPACE" -o name >/dev/null 2>&1 ||
  fail "Keycloak is not deployed: run scripts/deploy-keycloak.sh first (lab 4)"

if $build; then
  "$(dirname "$0")/build-images.sh" || fail "building the images failed (see above)"
fi

# The images the manifests name, as kustomize renders them (Keycloak's comes from quay.io).
rendered=$(kubectl kustomize "$LAB_ROOT/k8s") || fail "kubectl could not render k8s/"
images=$(sed -n 's/^ *image: \(cloud-native-starter\/.*\)$/\1/p' <<<"$rendered" | sort -u)
context=$(kubectl config current-context 2>/dev/null || true)
if command -v minikube >/dev/null && minikube --profile "$context" status >/dev/null 2>&1; then
  present=$(minikube --profile "$context" image ls 2>/dev/null || true)
  for image in $images; do
    grep -q "$image\$" <<<"$present" ||
      fail "minikube has no image $image: run scripts/build-images.sh first (or pass --build)"
  done
else
  say "not minikube: the cluster must be able to pull $(tr "\n" " " <<<"$images")"
fi

say "applying k8s/ (Keycloak stays as it is)"
kube apply -k "$LAB_ROOT/k8s" >&2 || fail "kubectl could not apply k8s/ (see above)"
say "applying istio/02-destination-rules.yaml"
kube apply -f "$LAB_ROOT/istio/02-destination-rules.yaml" >&2 ||
  fail "kubectl could not apply istio/02-destination-rules.yaml (see above)"

for deployment in articles web-api web-app; do
  say "waiting for $deployment"
  kubectl rollout status "deployment/$deployment" --namespace "$APP_NAMESPACE" --timeout "${timeout}s" >&2 ||
    fail "$deployment is not ready after $timeout s: see 'kubectl get pods -n $APP_NAMESPACE' and 'kubectl describe pod -n $APP_NAMESPACE -l app=$deployment'"
done
kube get pods --namespace "$APP_NAMESPACE"
base=$(ingress_url 2>/dev/null) || base=''
say "the app is deployed: open ${base:-https://$DEFAULT_HOST} and log in as alice/alice"
