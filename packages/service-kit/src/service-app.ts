import type { Express, Router } from 'express';
import { rejectLargeBodies } from './body-limit.ts';
import { cors } from './cors.ts';
import { errorHandler, notFound } from './error-handler.ts';
import type { Lifecycle } from './lifecycle.ts';
import type { Logger } from './logger.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { DEFAULT_RATE_LIMIT, rateLimit, type RateLimitOptions } from './rate-limit.ts';
import { requestContext } from './request-context.ts';
import { securityHeaders } from './security-headers.ts';
import { strictApp } from './strict-router.ts';

/** Largest request body accepted; the services take none. */
const MAX_BODY_BYTES = 1024;

export interface ServiceAppOptions {
  /** Names the service in metrics. */
  service: string;
  /**
   * Where requests are recorded; serve it with {@link createManagementApp}. Default: a registry of
   * the app's own, which nothing reads.
   */
  metrics?: Metrics;
  logger: Logger;
  lifecycle: Lifecycle;
  /** The service's own routes; build them with {@link strictRouter}. */
  routes: Router;
  /** Origins allowed to call from a browser on another origin. Default: none. */
  corsAllowedOrigins?: readonly string[];
  /** Per-client limit on every request. Default: {@link DEFAULT_RATE_LIMIT}. */
  rateLimit?: RateLimitOptions;
  /**
   * How many proxies in front of the service append to `X-Forwarded-For`, so `req.ip` (and the rate
   * limit) names the client rather than the proxy. Behind Istio the sidecar connects from
   * 127.0.0.6 and the ingress gateway appends the client's address: 1. Default 0: the header is
   * ignored, since without a proxy that sets it a client could claim any address.
   */
  trustedProxyHops?: number;
}

/**
 * The Express app every service shares, in this order: request ids, logs and metrics; security
 * headers; CORS, body limit and rate limit; the service's routes; a JSON 404; the error
 * middleware. Health and metrics are not here but on the management port
 * ({@link createManagementApp}). It never listens: see {@link serve}.
 *
 * @example
 * ```ts
 * const app = createServiceApp({ service: 'articles', logger, lifecycle, routes: articlesRoutes(auth) })
 * ```
 */
export function createServiceApp(options: ServiceAppOptions): Express {
  const { service, logger, lifecycle, routes, metrics = createMetrics(service) } = options;
  const app = strictApp();
  app.disable('x-powered-by');
  // Responses are per-user JSON marked no-cache: hashing each body for an ETag costs CPU for nothing.
  app.disable('etag');
  app.set('trust proxy', options.trustedProxyHops ?? 0);
  app.use(requestContext(logger, lifecycle, metrics));
  app.use(securityHeaders);
  app.use(cors(options.corsAllowedOrigins ?? []));
  app.use(rejectLargeBodies(MAX_BODY_BYTES));
  app.use(rateLimit(options.rateLimit ?? DEFAULT_RATE_LIMIT));
  app.use(routes);
  app.use(notFound);
  app.use(errorHandler(logger));
  return app;
}
