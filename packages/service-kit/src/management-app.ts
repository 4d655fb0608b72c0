import type { Express } from 'express';
import { errorHandler, notFound } from './error-handler.ts';
import { healthRoutes } from './health.ts';
import type { Lifecycle } from './lifecycle.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import { securityHeaders } from './security-headers.ts';
import { strictApp } from './strict-router.ts';

export interface ManagementAppOptions {
  logger: Logger;
  lifecycle: Lifecycle;
  /** The same instance the service app records into. */
  metrics: Metrics;
}

/**
 * Health (`/health/live`, `/health/ready`) and metrics (`/metrics`) on a port of their own, as
 * Keycloak serves them on 9000: the kubelet and Prometheus reach it, the ingress never routes to
 * it, so the public can neither read the metrics nor spend the service's CPU rendering them. It
 * has no rate limit and no request log: only the cluster's own agents can connect.
 *
 * @example
 * ```ts
 * const metrics = createMetrics('articles')
 * await serve(createManagementApp({ logger, lifecycle, metrics }), { port: 9082, host, logger, lifecycle })
 * ```
 */
export function createManagementApp({ logger, lifecycle, metrics }: ManagementAppOptions): Express {
  const app = strictApp();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use(securityHeaders);
  app.use(healthRoutes(lifecycle));
  app.get('/metrics', metrics.handler);
  app.use(notFound);
  app.use(errorHandler(logger));
  return app;
}
