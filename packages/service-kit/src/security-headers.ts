import type { RequestHandler } from 'express';

/**
 * Headers for JSON APIs: nothing here is meant to be rendered, framed, sniffed or shared across
 * origins, so say so on every response, errors included.
 */
export const securityHeaders: RequestHandler = (_req, res, next) => {
  res.set({
    'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
  });
  next();
};
