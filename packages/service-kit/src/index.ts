export {
  appOptions,
  ConfigError,
  listenOptions,
  parseEnv,
  port,
  serviceEnv,
  type ServiceEnv,
} from './env.ts';
export { errorHandler, methodNotAllowed, notFound, type ErrorBody } from './error-handler.ts';
export { healthRoutes } from './health.ts';
export { HttpError, isHttpErrorLike, type HttpErrorLike } from './http-error.ts';
export { createLifecycle, type Lifecycle } from './lifecycle.ts';
export { createMetrics, type Metrics } from './metrics.ts';
export { DEFAULT_RATE_LIMIT, rateLimit, type RateLimitOptions } from './rate-limit.ts';
export { createManagementApp, type ManagementAppOptions } from './management-app.ts';
export { createLogger, type Logger, type LoggerOptions } from './logger.ts';
export { requestContext, requestIdOf } from './request-context.ts';
export { strictApp, strictRouter } from './strict-router.ts';
export { serve, type RunningService, type ServeOptions } from './serve.ts';
export { createServiceApp, type ServiceAppOptions } from './service-app.ts';
export { exitOnStartupFailure, shutDownOnSignals, warmUp } from './startup.ts';
