import type { RequestHandler } from 'express';
import type { AccessToken } from './access-token.ts';
import { readBearerToken } from './bearer-token.ts';
import { AuthError, TokenVerificationError } from './errors.ts';
import type { TokenVerifier } from './token-verifier.ts';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Express's own extension point
  namespace Express {
    interface Request {
      /** The verified access token, set by {@link BearerAuth.authenticate}. */
      auth?: AccessToken;
    }
  }
}

export interface BearerAuthOptions {
  verifier: TokenVerifier;
  /** Named in the `WWW-Authenticate` challenge, e.g. the service name. */
  realm: string;
}

export interface BearerAuth {
  /** Verifies the bearer token and sets `req.auth`; failures go to the error middleware. */
  authenticate: RequestHandler;
  /** Answers 403 `insufficient_scope` unless `req.auth` carries the realm role. */
  requireRole(role: string): RequestHandler;
}

/**
 * Express glue over a {@link TokenVerifier}. Errors are thrown as {@link AuthError}s carrying their
 * status and `WWW-Authenticate` header; render them in one error middleware.
 *
 * @example
 * ```ts
 * const auth = bearerAuth({ verifier, realm: 'articles' })
 * router.get('/articles', auth.authenticate, auth.requireRole('user'), listArticles)
 * ```
 */
export function bearerAuth({ verifier, realm }: BearerAuthOptions): BearerAuth {
  if (!realm || /["\\]/.test(realm)) throw new TypeError('realm must be a plain non-empty string');

  const authenticate: RequestHandler = async (req, _res, next) => {
    const token = readBearerToken(req, realm);
    try {
      req.auth = await verifier.verify(token);
    } catch (error) {
      if (!(error instanceof TokenVerificationError)) throw error;
      const code = error.reason === 'jwks_unavailable' ? 'jwks_unavailable' : 'invalid_token';
      throw new AuthError(code, error.reason, error.message, realm);
    }
    next();
  };

  const requireRole = (role: string): RequestHandler => {
    if (!role) throw new TypeError('role must be a non-empty string');
    return (req, _res, next) => {
      if (!req.auth) throw new Error('requireRole() must run after authenticate');
      if (!req.auth.roles.has(role)) {
        throw new AuthError(
          'insufficient_scope',
          'missing_role',
          `realm role "${role}" required`,
          realm,
        );
      }
      next();
    };
  };

  return { authenticate, requireRole };
}
