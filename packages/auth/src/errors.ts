/**
 * Why a request failed authentication or authorization. Stable strings: metrics, logs and tests
 * switch on them.
 */
export type AuthFailureReason =
  | 'missing_token'
  | 'malformed_header'
  | 'malformed_token'
  | 'algorithm_not_allowed'
  | 'unknown_key'
  | 'bad_signature'
  | 'token_expired'
  | 'token_not_yet_valid'
  | 'issuer_mismatch'
  | 'audience_mismatch'
  | 'wrong_token_type'
  | 'client_not_allowed'
  | 'claim_invalid'
  | 'missing_role'
  | 'jwks_unavailable';

/** The error codes of RFC 6750 §3.1, plus ours for "no token" and "keys unreachable". */
export type AuthErrorCode =
  'invalid_request' | 'missing_token' | 'invalid_token' | 'insufficient_scope' | 'jwks_unavailable';

const statusByCode: Record<AuthErrorCode, 400 | 401 | 403 | 503> = {
  invalid_request: 400,
  missing_token: 401,
  invalid_token: 401,
  insufficient_scope: 403,
  jwks_unavailable: 503,
};

/**
 * Raised by the token verifier. It knows nothing of HTTP: {@link AuthError} adds that.
 *
 * @example
 * ```ts
 * try { await verifier.verify(token) } catch (e) {
 *   if (e instanceof TokenVerificationError && e.reason === 'token_expired') refresh()
 * }
 * ```
 */
export class TokenVerificationError extends Error {
  override readonly name = 'TokenVerificationError';
  readonly reason: AuthFailureReason;

  constructor(reason: AuthFailureReason, message: string, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
  }
}

/**
 * An authentication or authorization failure, ready to send: `status`, a stable `code`, and the
 * `WWW-Authenticate` challenge RFC 6750 asks for. The message never contains the token.
 *
 * @example
 * ```ts
 * app.use((err, req, res, next) => {
 *   if (err instanceof AuthError) res.status(err.status).set(err.headers).json({ error: err.code })
 * })
 * ```
 */
export class AuthError extends Error {
  override readonly name = 'AuthError';
  readonly status: 400 | 401 | 403 | 503;
  readonly code: AuthErrorCode;
  readonly reason: AuthFailureReason;
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: AuthErrorCode, reason: AuthFailureReason, message: string, realm: string) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.status = statusByCode[code];
    this.headers = challengeHeaders(code, message, realm);
  }
}

function challengeHeaders(
  code: AuthErrorCode,
  description: string,
  realm: string,
): Record<string, string> {
  if (code === 'jwks_unavailable') return { 'Retry-After': '5' };
  const params = [`realm="${quote(realm)}"`];
  // RFC 6750 §3.1: a request without credentials gets a challenge without an error code.
  if (code !== 'missing_token') {
    params.push(`error="${code}"`, `error_description="${quote(description)}"`);
  }
  return { 'WWW-Authenticate': `Bearer ${params.join(', ')}` };
}

/** Keeps the quoted-string of RFC 9110 §5.6.4 well-formed whatever the description says. */
function quote(value: string): string {
  return value.replace(/[\\"]/g, '\\$&').replace(/[^\x20-\x7e]/g, '?');
}
