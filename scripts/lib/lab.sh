# Shared by the lab scripts: messages, tool checks, and where the app is (a cluster or the local
# stack of `pnpm start`). Sourced, not run.
# shellcheck shell=bash disable=SC2034

# Written for bash 4 or newer (tested with bash 5); macOS still ships bash 3.2.
if [ "${BASH_VERSINFO[0]}" -lt 4 ]; then
  echo "${0##*/}: error: bash $BASH_VERSION is too old: the lab scripts need bash 4 or newer (macOS: brew install bash)" >&2
  exit 2
fi

LAB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=SCRIPTDIR/usage.sh
. "$LAB_ROOT/scripts/lib/usage.sh"

# Names the manifests use (k8s/, istio/); tests/scripts checks that they agree.
APP_NAMESPACE=demo
ISTIO_NAMESPACE=istio-system
VIRTUAL_SERVICE=demo
TLS_SECRET=demo-credential
REALM=quarkus
DEFAULT_HOST=demo.k8s.local

# The local stack (`pnpm start`), used when no cluster answers. The same three settings move
# `pnpm start` (scripts/start-service.sh) and these scripts to other ports. The web-app's port is
# fixed: the realm allows exactly http://localhost:5173/ as a redirect URI.
KEYCLOAK_PORT=$(port_setting KEYCLOAK_PORT 8080)
WEBAPI_PORT=$(port_setting WEBAPI_PORT 8081)
ARTICLES_PORT=$(port_setting ARTICLES_PORT 8082)
LOCAL_IDP_URL=http://localhost:$KEYCLOAK_PORT
LOCAL_WEBAPI_URL=http://localhost:$WEBAPI_PORT
LOCAL_ARTICLES_URL=http://localhost:$ARTICLES_PORT
LOCAL_WEBAPP_URL=http://localhost:5173

# The lab CA and the ingress certificate; kept out of git (.cache/ is ignored).
TLS_DIR=${TLS_DIR:-$LAB_ROOT/.cache/tls}

# Progress goes to stderr, so stdout stays for what a script prints on purpose (a token, a verdict).
say() { echo "${0##*/}: $*" >&2; }
fail() {
  echo "${0##*/}: error: $*" >&2
  exit "${FAIL_STATUS:-1}"
}
# Prints the number of seconds in the environment variable named $1, or the default $2.
seconds_setting() {
  local value=${!1:-$2}
  case $value in '' | *[!0-9]*) usage_error "$1 must be a number of seconds" ;; esac
  echo "$value"
}

need() {
  local hint
  case $1 in
    kubectl) hint="install it: https://kubernetes.io/docs/tasks/tools/ (lab 1)" ;;
    minikube) hint="install it: https://minikube.sigs.k8s.io/docs/start/ (lab 1)" ;;
    istioctl) hint="download Istio and put its bin/ on your PATH (lab 1)" ;;
    curl) hint="install curl with your package manager" ;;
    openssl) hint="install OpenSSL with your package manager" ;;
    *) hint="install it" ;;
  esac
  command -v "$1" >/dev/null || FAIL_STATUS=2 fail "$1 not found: $hint"
}

# kubectl with a bound on every request, so an unreachable cluster fails instead of hanging.
kube() { kubectl --request-timeout="${KUBECTL_REQUEST_TIMEOUT:-10s}" "$@"; }

# LAB_TARGET is `cluster` when kubectl reaches a cluster, else `local` (the stack of `pnpm start`).
# Set it to skip the probe.
find_target() {
  case ${LAB_TARGET:-} in
    cluster | local) return 0 ;;
    '') ;;
    *) FAIL_STATUS=2 fail "LAB_TARGET must be cluster or local, not '$LAB_TARGET'" ;;
  esac
  if command -v kubectl >/dev/null &&
    KUBECTL_REQUEST_TIMEOUT=5s kube get namespace default -o name >/dev/null 2>&1; then
    LAB_TARGET=cluster
  else
    LAB_TARGET=local
  fi
}

require_cluster() {
  need kubectl
  if ! kube get namespace default -o name >/dev/null 2>&1; then
    local context
    context=$(kubectl config current-context 2>/dev/null || echo none)
    fail "no Kubernetes cluster answers (kubectl context: $context): start one with 'minikube start' (lab 1)"
  fi
  LAB_TARGET=cluster
}

# The public base URL of the app: INGRESS_URL, else https:// and the host of the cluster's
# VirtualService, else nothing for the local stack (it has no ingress).
ingress_url() {
  if [ -n "${INGRESS_URL:-}" ]; then
    echo "${INGRESS_URL%/}"
    return 0
  fi
  find_target
  [ "$LAB_TARGET" = cluster ] || return 0
  local host
  host=$(kube get virtualservice "$VIRTUAL_SERVICE" -n "$APP_NAMESPACE" \
    -o jsonpath='{.spec.hosts[0]}' 2>/dev/null) ||
    fail "the cluster has no VirtualService $VIRTUAL_SERVICE in namespace $APP_NAMESPACE yet: apply istio/01-ingress.yaml (lab 3), or set INGRESS_URL"
  [ -n "$host" ] || fail "the VirtualService $VIRTUAL_SERVICE names no host"
  echo "https://$host"
}

# The realm's token endpoint: TOKEN_URL, else through the ingress, else the local identity provider.
token_url() {
  if [ -n "${TOKEN_URL:-}" ]; then
    echo "$TOKEN_URL"
    return 0
  fi
  local base
  base=$(ingress_url)
  [ -n "$base" ] || base=$LOCAL_IDP_URL
  echo "$base/auth/realms/$REALM/protocol/openid-connect/token"
}

# An address of a cluster node, where NodePorts answer: NODE_ADDRESS, else `minikube ip` for a
# minikube context, else the node's external or internal IP.
node_address() {
  if [ -n "${NODE_ADDRESS:-}" ]; then
    echo "$NODE_ADDRESS"
    return 0
  fi
  local context address=''
  context=$(kubectl config current-context 2>/dev/null || true)
  if [ -n "$context" ] && command -v minikube >/dev/null; then
    address=$(minikube --profile "$context" ip 2>/dev/null || true)
  fi
  if [ -z "$address" ]; then
    address=$(kube get nodes -o jsonpath='{.items[0].status.addresses[?(@.type=="ExternalIP")].address}' 2>/dev/null || true)
  fi
  if [ -z "$address" ]; then
    address=$(kube get nodes -o jsonpath='{.items[0].status.addresses[?(@.type=="InternalIP")].address}' 2>/dev/null || true)
  fi
  [ -n "$address" ] || fail "cannot find a node address: set NODE_ADDRESS"
  echo "${address%% *}"
}

# http://<node>:<nodePort> of a Service in the app's namespace, or nothing if it has no NodePort.
node_port_url() {
  local port
  port=$(kube get service "$1" -n "$APP_NAMESPACE" \
    -o jsonpath='{.spec.ports[?(@.name=="http")].nodePort}' 2>/dev/null) ||
    fail "the cluster has no Service $1 in namespace $APP_NAMESPACE: deploy the app first (lab 5)"
  [ -n "$port" ] || return 0
  echo "http://$(node_address):$port"
}

# web-api reached directly, without the ingress: WEBAPI_URL, else its NodePort, else the local stack.
webapi_url() {
  if [ -n "${WEBAPI_URL:-}" ]; then
    echo "${WEBAPI_URL%/}"
    return 0
  fi
  find_target
  if [ "$LAB_TARGET" = local ]; then
    echo "$LOCAL_WEBAPI_URL"
    return 0
  fi
  local url
  url=$(node_port_url web-api)
  [ -n "$url" ] || fail "the Service web-api has no NodePort: set WEBAPI_URL"
  echo "$url"
}

# curl options for HTTPS to the ingress: trust the lab CA (CA_CERT, else the one
# scripts/create-tls-secret.sh made), and reach the host at INGRESS_ADDRESS if that is set.
curl_ingress_options() {
  local ca=${CA_CERT:-$TLS_DIR/ca.crt}
  CURL_INGRESS_OPTIONS=()
  if [ -n "${CA_CERT:-}" ] && [ ! -f "$CA_CERT" ]; then
    FAIL_STATUS=2 fail "CA_CERT=$CA_CERT does not exist"
  fi
  [ -f "$ca" ] && CURL_INGRESS_OPTIONS+=(--cacert "$ca")
  if [ -n "${INGRESS_ADDRESS:-}" ]; then
    local authority host port
    authority=${1#https://}
    authority=${authority%%/*}
    host=${authority%%:*}
    port=443
    [ "$host" = "$authority" ] || port=${authority#*:}
    CURL_INGRESS_OPTIONS+=(--resolve "$host:$port:$INGRESS_ADDRESS")
  fi
  return 0
}

# Explains a failed curl by its exit code.
curl_problem() {
  case $1 in
    6) echo "the host name does not resolve: add the hosts entry of lab 3, or set INGRESS_ADDRESS" ;;
    7) echo "connection refused: nothing listens there" ;;
    28) echo "no answer in time" ;;
    35) echo "the TLS handshake failed" ;;
    51 | 60) echo "the server's certificate is not trusted for this host: run scripts/create-tls-secret.sh (lab 3), or set CA_CERT" ;;
    52) echo "the server closed the connection without an answer" ;;
    55 | 56) echo "the connection was reset" ;;
    *) echo "curl failed with exit code $1" ;;
  esac
}
