import { createTokenVerifier } from '@cns/auth';
import {
  createLifecycle,
  createLogger,
  exitOnStartupFailure,
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
  });
  const lifecycle = createLifecycle();
  const app = createApp({
    verifier,
    logger,
    lifecycle,
    corsAllowedOrigins: config.CORS_ALLOWED_ORIGINS,
    rateLimit: { perSecond: config.RATE_LIMIT_PER_SECOND, burst: config.RATE_LIMIT_BURST },
    trustedProxyHops: config.TRUSTED_PROXY_HOPS,
  });
  const service = await serve(app, {
    port: config.PORT,
    host: config.HOST,
    logger,
    lifecycle,
    shutdownDrainDelayMs: config.SHUTDOWN_DRAIN_DELAY_MS,
  });
  warmUp(logger, () => verifier.loadKeys());
  shutDownOnSignals(service);
} catch (error) {
  exitOnStartupFailure(error);
}
