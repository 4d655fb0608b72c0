#!/usr/bin/env bash
# HTTPS at the ingress (lab 3): creates a local certificate authority and, signed by it, a server
# certificate for demo.k8s.local (X.509 v3, subjectAltName DNS:demo.k8s.local, 90 days), then
# stores certificate and key as the TLS secret demo-credential in istio-system, where the
# ingress gateway reads it (the Gateway's credentialName).
#
# The files stay on this machine, in .cache/tls (never committed):
#   ca.crt                 the CA certificate: trust it in curl (--cacert) or your browser
#   ca.key                 the CA's private key
#   demo.k8s.local.crt     the server certificate
#   demo.k8s.local.key     the server's private key
# The CA may only sign names under k8s.local (X.509 name constraints), so trusting it cannot
# make your browser trust a forged certificate for any other site.
#
# Running it again keeps what is still good: the CA while it has more than 30 days left, the
# server certificate while it has more than 30 days left and matches the CA and the host. The
# secret is created or updated in place.
#
# Usage: scripts/create-tls-secret.sh [--certificate-only] [--renew]
#   --certificate-only  only the files, no secret (no cluster needed)
#   --renew             a new server certificate (and key) even if the current one is good
#
# Environment:
#   INGRESS_HOST  the host name to certify (default demo.k8s.local)
#   TLS_DIR       where the files go (default .cache/tls)
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib/lab.sh
. "$(dirname "$0")/lib/lab.sh"

secret=true
renew=false
for arg in "$@"; do
  case $arg in
    -h | --help)
      usage
      exit 0
      ;;
    --certificate-only) secret=false ;;
    --renew) renew=true ;;
    *) usage_error "unknown argument '$arg'" ;;
  esac
done

host=${INGRESS_HOST:-$DEFAULT_HOST}
[[ $host =~ ^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$ ]] ||
  FAIL_STATUS=2 fail "INGRESS_HOST must be a lower-case DNS name with at least one dot, not '$host'"
# The CA is limited to the host's parent domain: demo.k8s.local → k8s.local.
domain=${host#*.}
readonly CA_DAYS=365 SERVER_DAYS=90 MIN_SECONDS_LEFT=$((30 * 24 * 3600))

need openssl
$secret && require_cluster

ca_crt=$TLS_DIR/ca.crt ca_key=$TLS_DIR/ca.key
server_crt=$TLS_DIR/$host.crt server_key=$TLS_DIR/$host.key
config=$TLS_DIR/openssl.cnf

mkdir -p "$TLS_DIR"
chmod 700 "$TLS_DIR"
umask 077

# openssl's extensions, read by both `req` and `x509`. Written every time, so it follows the host.
cat >"$config" <<EOF
[ req ]
distinguished_name = subject
prompt = no

[ subject ]
O = Cloud Native Starter

[ ca ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
nameConstraints = critical, permitted;DNS:$domain
subjectKeyIdentifier = hash

[ server ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:$host
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
EOF

valid_for_a_while() { openssl x509 -in "$1" -noout -checkend "$MIN_SECONDS_LEFT" >/dev/null 2>&1; }
# True if the certificate's public key is the key file's.
key_matches() {
  [ "$(openssl x509 -in "$1" -noout -pubkey 2>/dev/null)" = "$(openssl pkey -in "$2" -pubout 2>/dev/null)" ]
}
new_key() { openssl genrsa -out "$1" 2048 2>/dev/null || fail "openssl could not create the key $1"; }
serial() { echo "0x$(openssl rand -hex 16)"; }

ca_is_good() {
  [ -f "$ca_crt" ] && [ -f "$ca_key" ] && valid_for_a_while "$ca_crt" && key_matches "$ca_crt" "$ca_key" &&
    openssl x509 -in "$ca_crt" -noout -text | grep -q "DNS:$domain\$"
}

server_is_good() {
  [ -f "$server_crt" ] && [ -f "$server_key" ] && valid_for_a_while "$server_crt" &&
    key_matches "$server_crt" "$server_key" &&
    openssl verify -CAfile "$ca_crt" "$server_crt" >/dev/null 2>&1 &&
    openssl x509 -in "$server_crt" -noout -text | grep -q "DNS:$host\$"
}

if ca_is_good; then
  say "keeping the CA ${ca_crt#"$LAB_ROOT"/} (valid until $(openssl x509 -in "$ca_crt" -noout -enddate | cut -d= -f2))"
else
  say "creating a CA for *.$domain: ${ca_crt#"$LAB_ROOT"/}"
  new_key "$ca_key"
  openssl req -x509 -new -sha256 -days "$CA_DAYS" -key "$ca_key" -config "$config" \
    -extensions ca -subj "/O=Cloud Native Starter/CN=Cloud Native Starter lab CA for $domain" \
    -set_serial "$(serial)" -out "$ca_crt" || fail "openssl could not create the CA certificate"
  renew=true
fi

if ! $renew && server_is_good; then
  say "keeping the certificate ${server_crt#"$LAB_ROOT"/} (valid until $(openssl x509 -in "$server_crt" -noout -enddate | cut -d= -f2))"
else
  say "creating a certificate for $host, signed by the CA: ${server_crt#"$LAB_ROOT"/}"
  new_key "$server_key"
  openssl req -new -sha256 -key "$server_key" -config "$config" \
    -subj "/O=Cloud Native Starter/CN=$host" -out "$TLS_DIR/$host.csr" ||
    fail "openssl could not create the certificate request"
  openssl x509 -req -sha256 -days "$SERVER_DAYS" -in "$TLS_DIR/$host.csr" \
    -CA "$ca_crt" -CAkey "$ca_key" -set_serial "$(serial)" \
    -extfile "$config" -extensions server -out "$server_crt" 2>/dev/null ||
    fail "openssl could not sign the certificate"
  rm -f "$TLS_DIR/$host.csr"
  server_is_good || fail "the new certificate does not verify against the CA for $host; delete ${TLS_DIR#"$LAB_ROOT"/} and run again"
fi
chmod 644 "$ca_crt" "$server_crt"

if $secret; then
  kube get namespace "$ISTIO_NAMESPACE" -o name >/dev/null 2>&1 ||
    fail "the namespace $ISTIO_NAMESPACE does not exist: install Istio first (scripts/setup-istio.sh, lab 2)"
  say "storing the certificate as the secret $TLS_SECRET in $ISTIO_NAMESPACE"
  kubectl create secret tls "$TLS_SECRET" --namespace "$ISTIO_NAMESPACE" \
    --cert "$server_crt" --key "$server_key" --dry-run=client --output yaml |
    kube apply -f - >&2 || fail "kubectl could not store the secret $TLS_SECRET"
fi

say "done. Check the certificate with:"
say "  openssl verify -CAfile ${ca_crt#"$LAB_ROOT"/} ${server_crt#"$LAB_ROOT"/}"
