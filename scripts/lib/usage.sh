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
# Prints the port number in the environment variable named $1, or the default $2.
port_setting() {
  local value=${!1:-$2}
  case $value in '' | *[!0-9]* | 0*) usage_error "$1 must be a port number, not '$value'" ;; esac
  [ "$value" -le 65535 ] || usage_error "$1 must be a port number, not '$value'"
  echo "$value"
}
