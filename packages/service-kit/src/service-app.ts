import express, { type Express, type Router } from 'express';
import { errorHandler, notFound } from './error-handler.ts';
import { healthRoutes } from './health.ts';
import type { Lifecycle } from './lifecycle.ts';
import type { Logger } from './logger.ts';
import { requestContext } from './request-context.ts';

export interface ServiceAppOptions {
  logger: Logger;
  lifecycle: Lifecycle;
  /** The service's own routes. */
  routes: Router;
}

/**
 * The Express app every service shares: request ids and logs, health routes, the service's routes,
 * then a JSON 404 and the error middleware. It never listens: see {@link serve}.
 *
 * @example
 * ```ts
 * const app = createServiceApp({ logger, lifecycle, routes: articlesRoutes(deps) })
 * ```
 */
export function createServiceApp({ logger, lifecycle, routes }: ServiceAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  // Responses are per-user JSON marked no-cache: hashing each body for an ETag costs CPU for nothing.
  app.disable('etag');
  app.use(requestContext(logger, lifecycle));
  app.use(healthRoutes(lifecycle));
  app.use(routes);
  app.use(notFound);
  app.use(errorHandler(logger));
  return app;
}
