import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  errors,
  jwtVerify,
  type JWTVerifyGetKey,
} from 'jose';
import {
  checkAccessTokenClaims,
  toAccessToken,
  type AccessToken,
  type KeycloakClaims,
} from './access-token.ts';
import { isCanonicalCompactJws } from './compact-serialization.ts';
import { TokenVerificationError, type AuthFailureReason } from './errors.ts';
import { fetchKeys } from './fetch-keys.ts';
import { createVerifiedTokenCache } from './verified-token-cache.ts';
import { resolveVerifierOptions, type TokenVerifierOptions } from './verifier-options.ts';

/**
 * Keycloak signs access tokens with RS256 unless a realm says otherwise, and ours does not: one
 * asymmetric algorithm, so neither HMAC with a public key nor `none` can pass.
 */
const ALGORITHMS = ['RS256'];
/** The JOSE header `typ` Keycloak sets on access tokens (its ID and refresh tokens differ). */
const TOKEN_TYPE = 'JWT';

/** Verifies a compact JWS access token; the seam services take as a dependency. */
export interface TokenVerifier {
  /** @throws TokenVerificationError with a stable `reason`. */
  verify(token: string): Promise<AccessToken>;
}

/** A {@link TokenVerifier} backed by a remote JWKS. */
export interface RemoteTokenVerifier extends TokenVerifier {
  /** Fetches the key set now, e.g. at boot so the first request does not wait for it. */
  loadKeys(): Promise<void>;
}

/**
 * Builds the verifier once per process: the remote key set it owns caches keys, refetches at most
 * once per cooldown when an unknown `kid` appears, and times out slow fetches. Tokens that passed
 * are remembered until they expire (see {@link TokenVerifierOptions.verifiedTokenCacheSize}).
 *
 * @example
 * ```ts
 * const verifier = createTokenVerifier({
 *   issuer: 'https://demo.k8s.local/auth/realms/quarkus',
 *   jwksUri: 'http://keycloak:8080/auth/realms/quarkus/protocol/openid-connect/certs',
 *   audience: 'articles',
 * })
 * const token = await verifier.verify(bearerToken) // token.roles.has('user')
 * ```
 */
export function createTokenVerifier(options: TokenVerifierOptions): RemoteTokenVerifier {
  const resolved = resolveVerifierOptions(options);
  const remoteKeys = createRemoteJWKSet(resolved.jwksUrl, {
    timeoutDuration: resolved.jwksTimeoutMs,
    cooldownDuration: resolved.jwksCooldownMs,
    cacheMaxAge: resolved.jwksCacheMaxAgeMs,
    [customFetch]: fetchKeys,
  });
  const keys = usableKeysOnly(withLastKnownKeys(remoteKeys, resolved.jwksCooldownMs));
  const verified = createVerifiedTokenCache(resolved.verifiedTokenCacheSize);
  const verifyOptions = {
    issuer: resolved.issuer,
    audience: resolved.audience,
    algorithms: ALGORITHMS,
    typ: TOKEN_TYPE,
    clockTolerance: resolved.clockToleranceSeconds,
    requiredClaims: ['exp', 'iat', 'sub'],
  };

  return {
    async verify(token) {
      const cached = verified.get(token);
      if (cached) return cached;
      if (!isCanonicalCompactJws(token)) {
        throw new TokenVerificationError(
          'malformed_token',
          'token is not in compact serialization',
        );
      }
      try {
        const { payload } = await jwtVerify<KeycloakClaims>(token, keys, verifyOptions);
        checkAccessTokenClaims(payload, resolved.authorizedParties);
        const accessToken = toAccessToken(payload);
        verified.set(token, accessToken);
        return accessToken;
      } catch (error) {
        throw classify(error) ?? error;
      }
    },
    async loadKeys() {
      try {
        await remoteKeys.reload();
      } catch (error) {
        throw classify(error) ?? error;
      }
    },
  };
}

/**
 * Stale-if-error: when the key set is due for a refresh but the IdP cannot be reached, keep
 * verifying with the keys last fetched rather than failing every request during an IdP outage.
 * Only the request that finds the IdP failing waits for it (up to the fetch timeout); after that the
 * last keys answer at once, and the IdP is asked again in the background at most once per
 * `retryMs` until it answers, so a hanging IdP neither slows every request nor gets hammered.
 */
function withLastKnownKeys(
  remote: ReturnType<typeof createRemoteJWKSet>,
  retryMs: number,
): JWTVerifyGetKey {
  let lastKnown: JWTVerifyGetKey | undefined;
  let lastAttempt = 0;
  const retryInBackground = () => {
    if (performance.now() - lastAttempt < retryMs) return;
    lastAttempt = performance.now();
    remote.reload().then(
      () => (lastKnown = undefined),
      () => undefined, // still down: keep the last keys and try again later
    );
  };
  return async (header, token) => {
    if (lastKnown) {
      retryInBackground();
      return lastKnown(header, token);
    }
    try {
      return await remote(header, token);
    } catch (error) {
      const jwks = remote.jwks();
      if (classify(error)?.reason !== 'jwks_unavailable' || !jwks) throw error;
      lastKnown = createLocalJWKSet(jwks);
      lastAttempt = performance.now();
      return lastKnown(header, token);
    }
  };
}

/**
 * A key the token names but that cannot be used (a private or malformed key set member, an RSA
 * modulus below RFC 7518's 2048 bits) makes the token unverifiable: 401 `unknown_key`, never a
 * 500. Only failing to fetch the key set is the service's problem (503 `jwks_unavailable`).
 */
function usableKeysOnly(getKey: JWTVerifyGetKey): JWTVerifyGetKey {
  const unknownKey = (cause?: unknown) =>
    new TokenVerificationError('unknown_key', 'no usable signing key matches the token', { cause });
  return async (header, token) => {
    let key: Awaited<ReturnType<JWTVerifyGetKey>>;
    try {
      key = await getKey(header, token);
    } catch (error) {
      throw classify(error)?.reason === 'jwks_unavailable' ? error : unknownKey(error);
    }
    if (isShortRsaKey(key)) throw unknownKey();
    return key;
  };
}

function isShortRsaKey(key: object): boolean {
  if (!('algorithm' in key)) return false;
  const algorithm = key.algorithm as { name?: string; modulusLength?: number };
  return algorithm.name?.startsWith('RSA') === true && (algorithm.modulusLength ?? 0) < 2048;
}

const claimReasons: Record<string, [AuthFailureReason, string]> = {
  iss: ['issuer_mismatch', 'issuer not accepted'],
  aud: ['audience_mismatch', 'audience not accepted'],
  nbf: ['token_not_yet_valid', 'token not yet valid'],
  typ: ['wrong_token_type', 'token type not accepted'],
};

/** Maps jose's errors to our reasons; anything else is a bug and stays as it is. */
function classify(error: unknown): TokenVerificationError | undefined {
  if (error instanceof TokenVerificationError) return error;
  const fail = (reason: AuthFailureReason, message: string) =>
    new TokenVerificationError(reason, message, { cause: error });
  if (error instanceof errors.JWTExpired) return fail('token_expired', 'token expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    const [reason, message] = claimReasons[error.claim] ?? [
      'claim_invalid',
      `claim "${error.claim}" missing or invalid`,
    ];
    return fail(reason, message);
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return fail('algorithm_not_allowed', 'signing algorithm not allowed');
  }
  if (
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys ||
    error instanceof errors.JWKSInvalid // fetchKeys refuses malformed sets: a member is unusable
  ) {
    return fail('unknown_key', 'no signing key matches the token');
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return fail('bad_signature', 'signature verification failed');
  }
  if (error instanceof errors.JWKSTimeout) {
    return fail('jwks_unavailable', 'signing keys unavailable');
  }
  if (
    error instanceof errors.JWSInvalid ||
    error instanceof errors.JWTInvalid ||
    error instanceof errors.JOSENotSupported ||
    error instanceof errors.JWKInvalid
  ) {
    return fail('malformed_token', 'malformed token');
  }
  // jose's remaining generic error is the JWKS endpoint answering something other than 200.
  if (error instanceof errors.JOSEError)
    return fail('jwks_unavailable', 'signing keys unavailable');
  return undefined;
}
