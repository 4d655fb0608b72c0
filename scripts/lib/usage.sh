# --help and bad-usage handling shared by every script in scripts/. Sourced, not run.
# shellcheck shell=bash

# Prints the comment block at the top of the running script, without the `#`.
usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }
usage_error() {
  echo "${0##*/}: $* (try --help)" >&2
  exit 2
}
# For scripts whose only option is --help.
accept_only_help() {
  local arg
  for arg in "$@"; do
    case $arg in
      -h | --help)
        usage
        exit 0
        ;;
      *) usage_error "unknown argument '$arg'" ;;
    esac
  done
}
