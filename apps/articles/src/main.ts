import { createTokenVerifier } from '@cns/auth';
import {
  appOptions,
  createLifecycle,
  createLogger,
  createManagementApp,
  createMetrics,
  exitOnStartupFailure,
  listenOptions,
  serve,
  shutDownOnSignals,
  warmUp,
} from '@cns/service-kit';
import { createApp } from './app.ts';
import { loadConfig } from './config.ts';

try {
  const config = loadConfig();
  const logger = createLogger({ service: 'articles', level: config.LOG_LEVEL });
  const verifier = createTokenVerifier({
    issuer: config.OIDC_ISSUER,
    jwksUri: config.OIDC_JWKS_URI,
    audience: config.OIDC_AUDIENCE,
    authorizedParties: config.OIDC_AUTHORIZED_PARTIES,
  });
  const lifecycle = createLifecycle();
  const metrics = createMetrics('articles');
  const app = createApp({
    verifier,
    logger,
    lifecycle,
    metrics,
    ...appOptions(config),
  });
  const service = await serve(app, {
    ...listenOptions(config),
    logger,
    lifecycle,
    metrics,
  });
  // Health and metrics on a port of their own, which no Service or ingress route exposes.
  const managementLogger = logger.child({ listener: 'management' });
  const management = await serve(
    createManagementApp({ logger: managementLogger, lifecycle, metrics }),
    // No drain delay of its own: it closes after the API listener, answering readiness 503 till then.
    {
      port: config.MANAGEMENT_PORT,
      host: config.HOST,
      logger: managementLogger,
      lifecycle,
      metrics,
    },
  );
  warmUp(logger, () => verifier.loadKeys());
  shutDownOnSignals(service, management);
} catch (error) {
  exitOnStartupFailure(error);
}
