import { createTokenVerifier } from '@cns/auth';
import {
  appOptions,
  createLifecycle,
  createLogger,
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
  });
  const lifecycle = createLifecycle();
  const app = createApp({
    verifier,
    logger,
    lifecycle,
    ...appOptions(config),
  });
  const service = await serve(app, {
    ...listenOptions(config),
    logger,
    lifecycle,
  });
  warmUp(logger, () => verifier.loadKeys());
  shutDownOnSignals(service);
} catch (error) {
  exitOnStartupFailure(error);
}
