#!/usr/bin/env bash
# Lab 4: deploys Keycloak into the namespace demo, with the realm `quarkus` imported from
# k8s/keycloak/quarkus-realm.json at every start, and waits until the realm answers.
#
# The admin console's password is generated here, once, into the secret keycloak-admin (user
# admin); it is never in the repository. Running the script again keeps the secret and applies
# the manifests again, which changes nothing that is already in place.
#
# What it applies, from k8s/ (kustomize): the namespace and the generated ConfigMaps (the objects
# without an `app` label), then Keycloak's own objects (label app=keycloak). The services follow
# in lab 5 (scripts/deploy-services.sh).
#
# Usage: scripts/deploy-keycloak.sh
#
# Environment:
#   KEYCLOAK_TIMEOUT  seconds to wait for Keycloak to start and import the realm (default 600)
#   INGRESS_URL and the other settings of scripts/get-token.sh, to check the realm afterwards
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib/lab.sh
. "$(dirname "$0")/lib/lab.sh"

accept_only_help "$@"
timeout=$(seconds_setting KEYCLOAK_TIMEOUT 600)

need curl
need openssl
require_cluster

kube get namespace "$APP_NAMESPACE" -o name >/dev/null 2>&1 ||
  fail "the namespace $APP_NAMESPACE does not exist: run scripts/setup-istio.sh first (lab 2)"

if kube get secret keycloak-admin --namespace "$APP_NAMESPACE" -o name >/dev/null 2>&1; then
  say "keeping the admin console's password (secret keycloak-admin)"
else
  say "generating the admin console's password into the secret keycloak-admin"
  password=$(openssl rand -base64 24 | tr -d '/+=\n')
  kube create secret generic keycloak-admin --namespace "$APP_NAMESPACE" \
    --from-literal=username=admin --from-literal="password=$password" >&2 ||
    fail "kubectl could not create the secret keycloak-admin"
fi

say "applying the namespace and the configuration (k8s/, objects without an app label)"
kube apply -k "$LAB_ROOT/k8s" --selector '!app' >&2 || fail "kubectl could not apply k8s/ (see above)"
say "applying Keycloak (k8s/, label app=keycloak)"
kube apply -k "$LAB_ROOT/k8s" --selector app=keycloak >&2 || fail "kubectl could not apply k8s/ (see above)"

say "waiting for Keycloak to start and import the realm (a few minutes the first time)"
kubectl rollout status deployment/keycloak --namespace "$APP_NAMESPACE" --timeout "${timeout}s" >&2 ||
  fail "Keycloak is not ready after $timeout s: see 'kubectl logs -n $APP_NAMESPACE deployment/keycloak'"

base=$(ingress_url 2>/dev/null) || base=''
if [ -z "$base" ]; then
  say "Keycloak runs; the ingress is not set up, so the realm was not checked from outside"
  exit 0
fi
discovery=$base/auth/realms/$REALM/.well-known/openid-configuration
curl_ingress_options "$base"
if issuer=$(curl -sS --fail --max-time 15 ${CURL_INGRESS_OPTIONS[@]+"${CURL_INGRESS_OPTIONS[@]}"} "$discovery" |
  sed -n 's/.*"issuer":"\([^"]*\)".*/\1/p') && [ -n "$issuer" ]; then
  say "the realm answers through the ingress: issuer $issuer"
else
  fail "Keycloak runs, but $discovery does not answer: check the hosts entry and 'minikube tunnel' (lab 3)"
fi
say "admin console: $base/auth/admin (user admin; password:"
say "  kubectl get secret keycloak-admin -n $APP_NAMESPACE -o jsonpath='{.data.password}' | base64 --decode)"
