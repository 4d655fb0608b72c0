import { boundedRequest } from '@cns/bounded-request';
import { HttpError } from '@cns/service-kit';

export interface TokenExchangeOptions {
  /** The IdP's token endpoint, e.g. `http://keycloak/auth/realms/quarkus/protocol/openid-connect/token`. */
  tokenEndpoint: string;
  /** This service's own confidential client and its secret. */
  clientId: string;
  clientSecret: string;
  /** The client the new token is for: its `aud`. */
  audience: string;
  /** Deadline for one call to the IdP. */
  timeoutMs: number;
  /** Most caller tokens whose exchanged token is kept; the oldest goes first. Default 5 000 (about 15 MB). */
  maxEntries?: number;
  /** Milliseconds since the epoch; tests move it. */
  now?: () => number;
}

export interface SubjectToken {
  /** The caller's access token, as it came in (already verified). */
  token: string;
  /** Its `exp`, seconds since the epoch. */
  expiresAt: number;
}

export interface TokenExchange {
  /**
   * A token for {@link TokenExchangeOptions.audience} that names the same user, from the cache
   * while it lasts.
   *
   * @throws HttpError 401 when the IdP no longer accepts the caller's token; 502 when it refuses
   * this service or fails; 504 past the deadline. Never the IdP's own words.
   */
  tokenFor(subject: SubjectToken): Promise<string>;
}

// RFC 8693, section 2.1 and 3.
const GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
/** An exchanged token is replaced this long before it expires, so it never expires in flight. */
const EXPIRY_MARGIN_MS = 5_000;
/** A token response is about 1.5 KiB. */
const MAX_RESPONSE_BYTES = 65_536;

interface Entry {
  token: Promise<string>;
  /** Until when the token may be handed out, milliseconds since the epoch. */
  usableUntil: number;
}

/**
 * Exchanges a caller's token at the IdP (RFC 8693, Keycloak's "standard token exchange") for one
 * meant for the next service alone, and remembers the answer per caller token. A cached token is
 * never handed out past its own expiry (minus a margin) nor past the caller token's: the exchange
 * must not lengthen what the user was granted.
 */
export function createTokenExchange(options: TokenExchangeOptions): TokenExchange {
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntries ?? 5_000;
  // A Map iterates in insertion order: the first key is the oldest entry.
  const cache = new Map<string, Entry>();
  // client_secret_basic (RFC 6749, section 2.3.1): both parts form-encoded before base64.
  const credentials = Buffer.from(
    `${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`,
  ).toString('base64');

  const exchange = async (subject: SubjectToken): Promise<{ token: string; expiresIn: number }> => {
    const body = new URLSearchParams({
      grant_type: GRANT_TYPE,
      subject_token: subject.token,
      subject_token_type: ACCESS_TOKEN_TYPE,
      audience: options.audience,
    });
    let status: number;
    let text: string;
    try {
      const answer = await boundedRequest(new URL(options.tokenEndpoint), {
        method: 'POST',
        headers: {
          authorization: `Basic ${credentials}`,
          accept: 'application/json',
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: body.toString(),
        maxBytes: MAX_RESPONSE_BYTES,
        timeoutMs: options.timeoutMs,
      });
      status = answer.status;
      text = answer.body.toString('utf8');
    } catch (error) {
      throw unreachable(error, options.timeoutMs);
    }
    if (status < 200 || status > 299) throw refusal(status, text);
    return parseTokenResponse(text);
  };

  const evictStale = (at: number) => {
    for (const [key, entry] of cache) if (entry.usableUntil <= at) cache.delete(key);
    while (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string);
  };

  return {
    tokenFor(subject) {
      const at = now();
      const cached = cache.get(subject.token);
      if (cached && cached.usableUntil > at) return cached.token;
      cache.delete(subject.token);
      if (cache.size >= maxEntries) evictStale(at);

      // Until the IdP answers, the entry lives as long as the caller token: concurrent calls with
      // the same token share one exchange.
      const entry: Entry = {
        token: Promise.resolve(''),
        usableUntil: subject.expiresAt * 1000,
      };
      entry.token = exchange(subject).then(
        ({ token, expiresIn }) => {
          entry.usableUntil = Math.min(
            subject.expiresAt * 1000,
            at + expiresIn * 1000 - EXPIRY_MARGIN_MS,
          );
          if (entry.usableUntil <= now() && cache.get(subject.token) === entry) {
            cache.delete(subject.token);
          }
          return token;
        },
        (error: unknown) => {
          // A failure is not remembered: the next call asks again.
          if (cache.get(subject.token) === entry) cache.delete(subject.token);
          throw error;
        },
      );
      if (entry.usableUntil > at) cache.set(subject.token, entry);
      return entry.token;
    },
  };
}

function parseTokenResponse(text: string): { token: string; expiresIn: number } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const { access_token: token, expires_in: expiresIn } = (parsed ?? {}) as Record<string, unknown>;
  if (typeof token !== 'string' || token === '' || typeof expiresIn !== 'number') {
    throw new HttpError(
      502,
      'token_exchange_invalid_response',
      'the identity provider sent no usable token',
    );
  }
  return { token, expiresIn };
}

/**
 * The IdP said no. Keycloak answers a subject token it no longer accepts (expired, its session
 * ended) with 400 `invalid_request` "Invalid token", the same error as for a malformed request, so
 * the description is the only tell; it is read, never passed on. Bad client credentials are 401.
 */
function refusal(status: number, text: string): HttpError {
  if (status === 400 && oauthError(text).description === 'Invalid token') {
    return new HttpError(
      401,
      'invalid_token',
      'the identity provider no longer accepts the token',
      {
        headers: { 'WWW-Authenticate': 'Bearer realm="web-api", error="invalid_token"' },
      },
    );
  }
  if (status === 401) {
    return new HttpError(
      502,
      'token_exchange_unauthorized',
      'the identity provider refused the credentials of web-api',
    );
  }
  if (status >= 500 || status === 429) {
    return new HttpError(
      502,
      'token_exchange_unavailable',
      `the identity provider answered ${status}`,
    );
  }
  return new HttpError(
    502,
    'token_exchange_refused',
    `the identity provider refused the exchange (${status})`,
  );
}

function oauthError(text: string): { error?: string; description?: string } {
  try {
    const { error, error_description: description } = JSON.parse(text) as Record<string, unknown>;
    return {
      ...(typeof error === 'string' ? { error } : {}),
      ...(typeof description === 'string' ? { description } : {}),
    };
  } catch {
    return {};
  }
}

function unreachable(error: unknown, timeoutMs: number): HttpError {
  if (error instanceof RangeError) {
    return new HttpError(
      502,
      'token_exchange_invalid_response',
      'the identity provider sent no usable token',
      { cause: error },
    );
  }
  if ((error as Error | undefined)?.name === 'TimeoutError') {
    return new HttpError(
      504,
      'token_exchange_timeout',
      `the identity provider did not answer within ${timeoutMs} ms`,
      { cause: error },
    );
  }
  return new HttpError(502, 'token_exchange_unavailable', 'the identity provider is unreachable', {
    cause: error,
  });
}
