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
import { createArticlesClient } from './articles-client.ts';
import { loadConfig } from './config.ts';
import { exchangeCallerToken, forwardCallerToken } from './relay.ts';
import { createTokenExchange } from './token-exchange.ts';

try {
  const config = loadConfig();
  const logger = createLogger({ service: 'web-api', level: config.LOG_LEVEL });
  const verifier = createTokenVerifier({
    issuer: config.OIDC_ISSUER,
    jwksUri: config.OIDC_JWKS_URI,
    audience: config.OIDC_AUDIENCE,
    authorizedParties: config.OIDC_AUTHORIZED_PARTIES,
  });
  const articles = createArticlesClient({
    baseUrl: config.ARTICLES_URL,
    timeoutMs: config.ARTICLES_TIMEOUT_MS,
  });
  const relay =
    config.RELAY_MODE === 'exchange'
      ? exchangeCallerToken(
          createTokenExchange({
            // Both are checked by loadConfig when RELAY_MODE is exchange.
            tokenEndpoint: config.OIDC_TOKEN_ENDPOINT ?? '',
            clientId: config.OIDC_CLIENT_ID,
            clientSecret: config.WEB_API_CLIENT_SECRET ?? '',
            audience: config.ARTICLES_AUDIENCE,
            timeoutMs: config.TOKEN_EXCHANGE_TIMEOUT_MS,
          }),
        )
      : forwardCallerToken;
  const lifecycle = createLifecycle();
  const metrics = createMetrics('web-api');
  const app = createApp({
    verifier,
    articles,
    relay,
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
    onClose: () => articles.close(),
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
