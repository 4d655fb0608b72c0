import express, { Router, type Express } from 'express';

// Express matches `/ARTICLES` and `/articles/` to `/articles` by default, while Istio's
// AuthorizationPolicy paths are exact. Two layers that disagree on what a resource is let a later
// path rule be walked around, so every route here matches exactly what the mesh matches.
const EXACT = { caseSensitive: true, strict: true } as const;

/**
 * A Router whose paths match case-sensitively and with the trailing slash significant, as
 * Istio's path rules do.
 *
 * @example
 * ```ts
 * const router = strictRouter().get('/articles', listArticles) // `/Articles`, `/articles/`: 404
 * ```
 */
export function strictRouter(): Router {
  return Router(EXACT);
}

/**
 * An Express app whose own routes match like {@link strictRouter}'s. Routers mounted on it keep
 * their own options: build them with {@link strictRouter}.
 *
 * @example
 * ```ts
 * const app = strictApp()
 * app.use(strictRouter().get('/health/live', live))
 * ```
 */
export function strictApp(): Express {
  const app = express();
  app.set('case sensitive routing', EXACT.caseSensitive);
  app.set('strict routing', EXACT.strict);
  return app;
}
