#!/usr/bin/env bash
# Builds the images of articles, web-api and web-app inside minikube, under the names and tag that
# k8s/ deploys, so the cluster runs them without a registry, and checks that each image exists
# afterwards (minikube reports success for a failed build). Running it again rebuilds them;
# `kubectl rollout restart deployment -n demo` then starts pods from the new images.
#
# The build context is the repository as git sees it (tracked files and new files that are not
# ignored), so node_modules and build output never leave this machine; .dockerignore narrows it
# further for each build.
#
# Usage: scripts/build-images.sh [APP…]
#   APP  articles, web-api or web-app (default: all three)
#
# Environment:
#   MINIKUBE_PROFILE  the minikube profile to build in (default: minikube's current profile)
set -euo pipefail

readonly REGISTRY=cloud-native-starter
readonly TAG=1.0.0
readonly ALL_APPS=(articles web-api web-app)

say() { echo "${0##*/}: $*"; }
fail() {
  echo "${0##*/}: error: $*" >&2
  exit 1
}
# shellcheck source=SCRIPTDIR/lib/usage.sh
. "$(dirname "$0")/lib/usage.sh"

apps=()
for arg in "$@"; do
  case $arg in
    -h | --help)
      usage
      exit 0
      ;;
    articles | web-api | web-app) apps+=("$arg") ;;
    *) fail "unknown app '$arg': choose from ${ALL_APPS[*]}" ;;
  esac
done
[ ${#apps[@]} -gt 0 ] || apps=("${ALL_APPS[@]}")

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mk() {
  if [ -n "${MINIKUBE_PROFILE:-}" ]; then
    minikube --profile "$MINIKUBE_PROFILE" "$@"
  else
    minikube "$@"
  fi
}

command -v git >/dev/null || fail "git not found: the build context is taken from the git checkout"
command -v minikube >/dev/null || fail "minikube not found: install it (https://minikube.sigs.k8s.io/docs/start/)"
git -C "$repo_root" rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
  fail "$repo_root is not a git checkout: clone the repository to build its images"
mk status >/dev/null 2>&1 ||
  fail "minikube is not running: start it with 'minikube start'"

work_dir=$(mktemp -d)
trap 'rm -rf "$work_dir"' EXIT
context="$work_dir/cloud-native-starter.tar"
(
  cd "$repo_root"
  git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' file; do
      # A file deleted but not yet committed is still listed by git.
      if [ -e "$file" ]; then printf '%s\0' "$file"; fi
    done |
    tar --null -T - -cf "$context"
) || fail "could not pack the build context"

# `minikube image build` exits 0 even when the build fails (minikube issues #16576, #12556), and an
# image from an earlier build would still be listed under the same name. So each build gets a
# candidate tag of its own, which exists afterwards only if this build made it, and the candidate
# is then tagged as the image.
has_image() { mk image ls 2>/dev/null | grep -qxF "docker.io/$1"; }

built=()
for app in "${apps[@]}"; do
  image="$REGISTRY/$app:$TAG"
  candidate="$image-candidate"
  log="$work_dir/$app.log"
  say "building $image from apps/$app/Dockerfile"
  if has_image "$candidate"; then mk image rm "$candidate" >/dev/null 2>&1 || true; fi
  mk image build --tag "$candidate" --file "apps/$app/Dockerfile" "$context" 2>&1 | tee "$log" ||
    fail "building $image failed (see the output above)"
  has_image "$candidate" ||
    fail "building $image failed: minikube made no image; the build said: $(tail -n 5 "$log" | tr '\n' ' ')"
  mk image tag "$candidate" "$image" >/dev/null || fail "minikube could not tag $candidate as $image"
  mk image rm "$candidate" >/dev/null || fail "minikube could not remove $candidate"
  built+=("$image")
done
say "built ${built[*]}"
