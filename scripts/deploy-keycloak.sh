#!/usr/bin/env bash
# Lab 4: deploys Keycloak and its PostgreSQL database into the namespace demo, with the realm
# `quarkus` imported from k8s/keycloak/quarkus-realm.json if the database does not hold it yet,
# and waits until the realm answers.
#
# Two logins are generated here, once, into secrets that are never in the repository:
# keycloak-admin (the admin console, user admin) and keycloak-db (Keycloak's database login).
# Running the script again keeps both secrets and the database, and applies the manifests again,
# which changes nothing that is already in place.
#
# What it applies, from k8s/ (kustomize): the namespace and the generated ConfigMaps (the objects
# without an `app` label), then PostgreSQL (label app=postgres), then Keycloak (label
# app=keycloak). The services follow in lab 5 (scripts/deploy-services.sh).
#
# Usage: scripts/deploy-keycloak.sh
#
# Environment:
#   KEYCLOAK_TIMEOUT  seconds to wait for each of PostgreSQL and Keycloak (default 600)
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

# Creates the secret $1 with username $2 and a random password, unless it exists.
create_login_secret() {
  if kube get secret "$1" --namespace "$APP_NAMESPACE" -o name >/dev/null 2>&1; then
    say "keeping the secret $1"
    return 0
  fi
  say "generating a password into the secret $1"
  local password
  password=$(openssl rand -base64 24 | tr -d '/+=\n')
  kube create secret generic "$1" --namespace "$APP_NAMESPACE" \
    --from-literal="username=$2" --from-literal="password=$password" >&2 ||
    fail "kubectl could not create the secret $1"
}
create_login_secret keycloak-admin admin
create_login_secret keycloak-db keycloak
# The confidential client web-api of the realm: Keycloak imports it, web-api exchanges tokens with it.
if kube get secret web-api-client --namespace "$APP_NAMESPACE" -o name >/dev/null 2>&1; then
  say "keeping the secret web-api-client"
else
  say "generating web-api's client secret into the secret web-api-client"
  kube create secret generic web-api-client --namespace "$APP_NAMESPACE" \
    --from-literal="secret=$(openssl rand -hex 32)" >&2 ||
    fail "kubectl could not create the secret web-api-client"
fi

say "applying the namespace and the configuration (k8s/, objects without an app label)"
kube apply -k "$LAB_ROOT/k8s" --selector '!app' >&2 || fail "kubectl could not apply k8s/ (see above)"
say "applying PostgreSQL (k8s/, label app=postgres)"
kube apply -k "$LAB_ROOT/k8s" --selector app=postgres >&2 || fail "kubectl could not apply k8s/ (see above)"
say "waiting for PostgreSQL"
kubectl rollout status deployment/postgres --namespace "$APP_NAMESPACE" --timeout "${timeout}s" >&2 ||
  fail "PostgreSQL is not ready after $timeout s: see 'kubectl describe pod -n $APP_NAMESPACE -l app=postgres'"
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
# The ingress does not route the admin console (istio/01-ingress.yaml).
say "admin console: kubectl port-forward -n $APP_NAMESPACE deployment/keycloak 8080, then"
say "  http://localhost:8080/auth/admin (user admin; password:"
say "  kubectl get secret keycloak-admin -n $APP_NAMESPACE -o jsonpath='{.data.password}' | base64 --decode)"
