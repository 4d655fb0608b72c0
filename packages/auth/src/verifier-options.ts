/** Algorithms Keycloak can sign access tokens with; HMAC and `none` are never accepted. */
export const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;

export type AsymmetricAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number];

/** How to verify access tokens. Issuer and JWKS location are separate on purpose: see README. */
export interface TokenVerifierOptions {
  /** Exact `iss` expected, e.g. `https://demo.k8s.local/auth/realms/quarkus`. */
  issuer: string;
  /** Where to fetch the signing keys, e.g. the in-cluster `http://keycloak:8080/.../certs`. */
  jwksUri: string;
  /** The token's `aud` must contain at least one of these. */
  audience: string | readonly string[];
  /**
   * Clients whose access tokens are accepted: the token's `azp` must be one of them. Default:
   * `['frontend']`, the web-app's client. Keycloak signs ID tokens and every client's tokens with the
   * same key, so the audience alone must not decide.
   */
  authorizedParties?: string | readonly string[];
  /** Allowed signing algorithms. Default: `['RS256']`, Keycloak's default. */
  algorithms?: readonly AsymmetricAlgorithm[];
  /** Expected JOSE header `typ`. Default: `'JWT'`, what Keycloak sets on access tokens. */
  tokenType?: string;
  /** Seconds of clock skew tolerated on `exp` and `nbf`. Default 5, at most 60. */
  clockToleranceSeconds?: number;
  /** JWKS fetch timeout in ms. Default 5000. */
  jwksTimeoutMs?: number;
  /**
   * Minimum ms between refetches for an unknown `kid`, and between retries of a failing IdP.
   * Default 30000.
   */
  jwksCooldownMs?: number;
  /** Maximum age of the cached key set in ms. Default 600000. */
  jwksCacheMaxAgeMs?: number;
  /**
   * How many verified tokens to remember until they expire, so repeated requests with the same
   * token skip the signature check. Default 10000; 0 turns the cache off.
   */
  verifiedTokenCacheSize?: number;
}

export type ResolvedVerifierOptions = Required<
  Omit<TokenVerifierOptions, 'audience' | 'authorizedParties'>
> & {
  audience: string[];
  authorizedParties: ReadonlySet<string>;
  jwksUrl: URL;
};

/**
 * Checks options once, at boot, so that a typo fails the process instead of every request.
 *
 * @throws TypeError naming the bad option.
 */
export function resolveVerifierOptions(options: TokenVerifierOptions): ResolvedVerifierOptions {
  const issuer = requireUrl('issuer', options.issuer);
  const jwksUrl = new URL(requireUrl('jwksUri', options.jwksUri));
  const audience = nonEmptyStrings('audience', options.audience);
  const authorizedParties = new Set(
    nonEmptyStrings('authorizedParties', options.authorizedParties ?? 'frontend'),
  );
  const algorithms = options.algorithms ?? ['RS256'];
  const unsafe = algorithms.filter(
    (alg) => !(ASYMMETRIC_ALGORITHMS as readonly string[]).includes(alg),
  );
  if (algorithms.length === 0 || unsafe.length > 0) {
    throw new TypeError(
      `algorithms must be asymmetric signature algorithms, got ${algorithms.join(', ')}`,
    );
  }
  return {
    issuer,
    jwksUri: jwksUrl.href,
    jwksUrl,
    audience,
    authorizedParties,
    algorithms,
    tokenType: options.tokenType ?? 'JWT',
    clockToleranceSeconds: bounded(
      'clockToleranceSeconds',
      options.clockToleranceSeconds,
      5,
      0,
      60,
    ),
    jwksTimeoutMs: bounded('jwksTimeoutMs', options.jwksTimeoutMs, 5_000, 1, 60_000),
    jwksCooldownMs: bounded('jwksCooldownMs', options.jwksCooldownMs, 30_000, 0, 3_600_000),
    jwksCacheMaxAgeMs: bounded(
      'jwksCacheMaxAgeMs',
      options.jwksCacheMaxAgeMs,
      600_000,
      1,
      86_400_000,
    ),
    verifiedTokenCacheSize: bounded(
      'verifiedTokenCacheSize',
      options.verifiedTokenCacheSize,
      10_000,
      0,
      1_000_000,
    ),
  };
}

function nonEmptyStrings(name: string, value: string | readonly string[]): string[] {
  const list = typeof value === 'string' ? [value] : [...value];
  if (list.length === 0 || list.some((entry) => typeof entry !== 'string' || entry === '')) {
    throw new TypeError(`${name} must be a non-empty string or a list of them`);
  }
  return list;
}

function requireUrl(name: string, value: unknown): string {
  if (typeof value !== 'string' || !URL.canParse(value)) {
    throw new TypeError(`${name} must be an absolute URL, got ${JSON.stringify(value)}`);
  }
  const { protocol } = new URL(value);
  if (protocol !== 'https:' && protocol !== 'http:') {
    throw new TypeError(`${name} must be an http(s) URL, got ${value}`);
  }
  return value;
}

function bounded(
  name: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
) {
  const resolved = value ?? fallback;
  if (!Number.isInteger(resolved) || resolved < min || resolved > max) {
    throw new TypeError(`${name} must be an integer in ${min}..${max}, got ${value}`);
  }
  return resolved;
}
