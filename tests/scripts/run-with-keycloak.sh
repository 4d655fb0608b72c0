#!/usr/bin/env bash
# The lab scripts against a real Keycloak: get-token.sh, decode-token.sh and check-mtls.sh get
# their tokens from Keycloak 26 with the repository's realm, started by scripts/start-keycloak.sh
# on a free port (so it never collides with `pnpm start` or `pnpm test:keycloak` on 8080), and
# stopped afterwards. Needs what start-keycloak.sh needs: Java 17, 21 or 25, and Maven once.
set -euo pipefail
cd "$(dirname "$0")/../.."

KEYCLOAK_PORT=$(node -e "const s = require('node:net').createServer().listen(0, '127.0.0.1', () => { process.stdout.write(String(s.address().port)); s.close(); })")
export KEYCLOAK_PORT
trap 'scripts/stop-keycloak.sh' EXIT
scripts/start-keycloak.sh
KEYCLOAK_ISSUER="http://localhost:$KEYCLOAK_PORT/auth/realms/quarkus" pnpm exec vitest run \
  --project infra:scripts tests/scripts/get-token.test.ts tests/scripts/check-mtls.test.ts
# Passed: the server's log and pid file are of no further use.
scripts/stop-keycloak.sh
trap - EXIT
rm -rf ".cache/keycloak/run-$KEYCLOAK_PORT"
