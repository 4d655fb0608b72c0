import { createTokenVerifier, TokenVerificationError } from '@cns/auth';
import { createLifecycle, createLogger, exitOnStartupFailure, serve } from '@cns/service-kit';
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
  const service = await serve(
    createApp({
      verifier,
      logger,
      lifecycle,
      corsOrigins: config.CORS_ALLOWED_ORIGINS,
      rateLimit: { perSecond: config.RATE_LIMIT_PER_SECOND, burst: config.RATE_LIMIT_BURST },
    }),
    {
      port: config.PORT,
      host: config.HOST,
      logger,
      lifecycle,
      drainDelayMs: config.SHUTDOWN_DRAIN_DELAY_MS,
    },
  );
  verifier.loadKeys().catch((error: unknown) => {
    const reason = error instanceof TokenVerificationError ? error.reason : String(error);
    logger.warn({ reason }, 'signing keys not loaded yet; retrying on the first request');
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => void service.shutdown());
  }
} catch (error) {
  exitOnStartupFailure(error);
}
