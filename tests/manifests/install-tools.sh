#!/usr/bin/env bash
# Installs the validators the manifest tests run, pinned, into .cache/tools (kept out of git):
#   bin/istioctl        `istioctl analyze` and `istioctl validate`, built from the Go module proxy
#   bin/manifest-check  kustomize build and schema validation with Kubernetes' and Istio's own code
#   bin/mesh.test       manifest-check's Go tests: istiod's config pipeline and Envoy simulator
#   venv/               hadolint (Dockerfiles) and kubernetes-validate (Kubernetes JSON schemas)
# Both Go tools use the istio.io/istio version that manifest-check/go.mod requires. Running the
# script again only installs what is missing or out of date. The first run downloads several hundred
# MB of Go modules and compiles for a few minutes.
set -euo pipefail

say() { echo "${0##*/}: $*"; }
fail() {
  echo "${0##*/}: error: $*" >&2
  exit 1
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tools="$(cd "$here/../.." && pwd)/.cache/tools"
mkdir -p "$tools/bin"

command -v go >/dev/null || fail "go not found: install Go 1.26 or newer (https://go.dev/dl/)"
command -v python3 >/dev/null || fail "python3 not found: install Python 3.10 or newer"

# sha256sum on Linux, shasum on macOS.
fingerprint() {
  if command -v sha256sum >/dev/null; then sha256sum; else shasum -a 256; fi | cut -d' ' -f1
}

# Reinstalls a tool when the fingerprint of what it is built from changed.
stamp_matches() { [ -f "$tools/$1.stamp" ] && [ "$(cat "$tools/$1.stamp")" = "$2" ]; }
write_stamp() { printf '%s' "$2" >"$tools/$1.stamp"; }

istio_version=$(cd "$here/manifest-check" && go list -m -f '{{.Version}}' istio.io/istio) ||
  fail "cannot read the istio.io/istio version from manifest-check/go.mod"

if [ -x "$tools/bin/istioctl" ] && stamp_matches istioctl "$istio_version"; then
  say "istioctl ($istio_version) is installed"
else
  say "building istioctl $istio_version (minutes on the first run)"
  GOBIN="$tools/bin" go install "istio.io/istio/istioctl/cmd/istioctl@$istio_version" ||
    fail "go install istioctl failed (see above)"
  write_stamp istioctl "$istio_version"
fi

checker_sources=$(cd "$here/manifest-check" && cat go.mod go.sum ./*.go | fingerprint)
if [ -x "$tools/bin/manifest-check" ] && stamp_matches manifest-check "$checker_sources"; then
  say "manifest-check is up to date"
else
  say "building manifest-check"
  (cd "$here/manifest-check" && go build -o "$tools/bin/manifest-check" .) ||
    fail "go build manifest-check failed (see above)"
  write_stamp manifest-check "$checker_sources"
fi
if [ -x "$tools/bin/mesh.test" ] && stamp_matches mesh.test "$checker_sources"; then
  say "mesh.test is up to date"
else
  say "building mesh.test (Istio's control plane in a test: minutes on the first run)"
  (cd "$here/manifest-check" && go test -c -o "$tools/bin/mesh.test" .) ||
    fail "go test -c failed (see above)"
  write_stamp mesh.test "$checker_sources"
fi

requirements=$(fingerprint <"$here/requirements.txt")
if [ -x "$tools/venv/bin/hadolint" ] && stamp_matches venv "$requirements"; then
  say "hadolint and kubernetes-validate are installed"
else
  say "installing hadolint and kubernetes-validate"
  rm -rf "$tools/venv"
  python3 -m venv "$tools/venv" || fail "python3 -m venv failed: on Debian, apt-get install python3-venv"
  "$tools/venv/bin/pip" install --quiet --disable-pip-version-check --no-input \
    --requirement "$here/requirements.txt" || fail "pip install failed (see above)"
  write_stamp venv "$requirements"
fi
