import type { RequestHandler } from 'express';

/**
 * Headers for JSON APIs: nothing here is meant to be rendered, framed, sniffed or shared across
 * origins, so say so on every response, errors included.
 */
const SECURITY_HEADERS = Object.entries({
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
});

export const securityHeaders: RequestHandler = (_req, res, next) => {
  // Node's setHeader directly: Express's res.set would inspect each name for Content-Type on
  // every request.
  for (const [name, value] of SECURITY_HEADERS) res.setHeader(name, value);
  next();
};
