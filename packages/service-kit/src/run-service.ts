import type { RequestListener } from 'node:http';
import type { z } from 'zod';
import { exitOnStartupFailure, type serviceEnv } from './env.ts';
import { createLifecycle, type Lifecycle } from './lifecycle.ts';
import { createLogger, type Logger } from './logger.ts';
import { createManagementApp } from './management-app.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import type { RateLimitOptions } from './rate-limit.ts';
import { serve } from './serve.ts';

/** The configuration every service has: {@link serviceEnv} plus its two ports. */
export type ServiceConfig = z.output<z.ZodObject<typeof serviceEnv>> & {
  PORT: number;
  MANAGEMENT_PORT: number;
};

/** What the runner hands a service to build its app with. */
export interface ServiceContext {
  logger: Logger;
  lifecycle: Lifecycle;
  /** Served on the management port; the service app records into it. */
  metrics: Metrics;
  corsOrigins: readonly string[];
  rateLimit: RateLimitOptions;
  trustedProxyHops: number;
}

/** What a service gives the runner. */
export interface ServiceParts {
  app: RequestListener;
  /** Work that spares the first requests a wait, e.g. fetching signing keys; a failure is logged. */
  warmUp?: () => Promise<unknown>;
  /** Runs after the listener closed, e.g. to close outgoing connections. */
  onClose?: () => Promise<void> | void;
}

/**
 * Owns a service's process: reads its configuration, creates the logger, listens on the API port
 * and on the management port (health and metrics, see {@link createManagementApp}), warms up, and
 * shuts both down gracefully on SIGTERM and SIGINT. A service that cannot start exits with one clear
 * message (see {@link exitOnStartupFailure}).
 *
 * @example
 * ```ts
 * await runService('articles', loadConfig, (config, context) => ({
 *   app: createApp({ verifier: createTokenVerifier(...), ...context }),
 * }))
 * ```
 */
export async function runService<Config extends ServiceConfig>(
  name: string,
  loadConfig: () => Config,
  build: (config: Config, context: ServiceContext) => ServiceParts,
): Promise<void> {
  try {
    const config = loadConfig();
    const logger = createLogger({ service: name, level: config.LOG_LEVEL });
    const lifecycle = createLifecycle();
    const metrics = createMetrics(name);
    const parts = build(config, {
      logger,
      lifecycle,
      metrics,
      corsOrigins: config.CORS_ALLOWED_ORIGINS,
      rateLimit: { perSecond: config.RATE_LIMIT_PER_SECOND, burst: config.RATE_LIMIT_BURST },
      trustedProxyHops: config.TRUSTED_PROXY_HOPS,
    });
    const service = await serve(parts.app, {
      port: config.PORT,
      host: config.HOST,
      logger,
      lifecycle,
      drainDelayMs: config.SHUTDOWN_DRAIN_DELAY_MS,
      metrics,
      ...(parts.onClose && { onClose: parts.onClose }),
    });
    const managementLogger = logger.child({ listener: 'management' });
    const management = await serve(createManagementApp({ logger, lifecycle, metrics }), {
      port: config.MANAGEMENT_PORT,
      host: config.HOST,
      logger: managementLogger,
      lifecycle,
      // Keeps answering readiness (503) until the API listener closes.
      drainDelayMs: config.SHUTDOWN_DRAIN_DELAY_MS,
      metrics,
    });
    parts.warmUp?.().catch((error: unknown) => {
      const reason = (error as { reason?: unknown } | undefined)?.reason ?? String(error);
      logger.warn({ reason }, 'warm-up failed; the first requests will retry it');
    });
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => void Promise.all([service.shutdown(), management.shutdown()]));
    }
  } catch (error) {
    exitOnStartupFailure(error);
  }
}
