export { ConfigError, exitOnStartupFailure, parseEnv, port, serviceEnv } from './env.ts';
export { errorHandler, methodNotAllowed, notFound, type ErrorBody } from './error-handler.ts';
export { healthRoutes } from './health.ts';
export { HttpError, isHttpErrorLike, type HttpErrorLike } from './http-error.ts';
export { createLifecycle, type Lifecycle } from './lifecycle.ts';
export { createMetrics, type Metrics } from './metrics.ts';
export { rateLimit, type RateLimitOptions } from './rate-limit.ts';
export { createManagementApp, type ManagementAppOptions } from './management-app.ts';
export { createLogger, type Logger, type LoggerOptions } from './logger.ts';
export { requestContext, requestIdOf } from './request-context.ts';
export {
  runService,
  type ServiceConfig,
  type ServiceContext,
  type ServiceParts,
} from './run-service.ts';
export { strictApp, strictRouter } from './strict-router.ts';
export { serve, type RunningService, type ServeOptions } from './serve.ts';
export { createServiceApp, type ServiceAppOptions } from './service-app.ts';
