import type { RequestHandler } from 'express';

/**
 * CORS for an explicit list of origins, and nothing for anyone else. The web-app calls the API
 * from its own origin behind the ingress, so the list is empty unless a page elsewhere needs it.
 * Credentials (cookies) are never allowed: callers send a bearer token.
 */
export function cors(corsAllowedOrigins: readonly string[]): RequestHandler {
  const allowed = new Set(corsAllowedOrigins);
  return (req, res, next) => {
    if (allowed.size === 0) return next();
    res.vary('Origin');
    const origin = req.headers.origin;
    if (origin === undefined || !allowed.has(origin)) return next();
    res.set('Access-Control-Allow-Origin', origin);
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
      res
        .set({
          'Access-Control-Allow-Methods': 'GET',
          'Access-Control-Allow-Headers': 'Authorization',
          'Access-Control-Max-Age': '600',
        })
        .status(204)
        .end();
      return;
    }
    res.set('Access-Control-Expose-Headers', 'WWW-Authenticate, X-Request-Id');
    next();
  };
}
