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
  return {
    issuer,
    jwksUri: jwksUrl.href,
    jwksUrl,
    audience,
    authorizedParties,
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
