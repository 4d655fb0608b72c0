import type { IncomingMessage } from 'node:http';
import { AuthError } from './errors.ts';

// RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token; the scheme is case-insensitive (RFC 9110).
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;
const SCHEME = /^Bearer(?: |$)/i;

/** Several times longer than Keycloak access tokens; well inside Node's 16 KiB header limit. */
export const MAX_TOKEN_LENGTH = 8_192;

/**
 * Reads the access token from the request's single `Authorization: Bearer` header. Tokens in the
 * query string or body are not accepted: they end up in logs and caches.
 *
 * @throws AuthError `missing_token` (401) without credentials or with another scheme;
 *   `invalid_request` (400) for a malformed or repeated header.
 */
export function readBearerToken(req: IncomingMessage, realm: string): string {
  if (countAuthorizationHeaders(req) > 1) {
    throw new AuthError(
      'invalid_request',
      'malformed_header',
      'more than one Authorization header',
      realm,
    );
  }
  const header = req.headers.authorization;
  if (!header || !SCHEME.test(header)) {
    throw new AuthError('missing_token', 'missing_token', 'bearer token required', realm);
  }
  const token = BEARER.exec(header)?.[1];
  if (!token) {
    throw new AuthError(
      'invalid_request',
      'malformed_header',
      'malformed Bearer credentials',
      realm,
    );
  }
  if (token.length > MAX_TOKEN_LENGTH) {
    throw new AuthError('invalid_request', 'malformed_header', 'bearer token too long', realm);
  }
  return token;
}

// Node keeps only the first of repeated Authorization headers, so count the raw ones.
function countAuthorizationHeaders(req: IncomingMessage): number {
  let count = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i]?.toLowerCase() === 'authorization') count++;
  }
  return count;
}
