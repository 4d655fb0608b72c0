import {
  createLifecycle,
  createLogger,
  exitOnStartupFailure,
  listenOptions,
  serve,
  shutDownOnSignals,
} from '@cns/service-kit';
import { createIdp } from './app.ts';
import { loadConfig } from './config.ts';
import { loadRealm } from './realm.ts';

try {
  const config = loadConfig();
  const logger = createLogger({ service: 'dev-idp', level: config.LOG_LEVEL });
  const realm = await loadRealm(config.REALM_FILE, {
    accessTokenLifespan: config.ACCESS_TOKEN_LIFESPAN,
    variables: { WEB_API_CLIENT_SECRET: config.WEB_API_CLIENT_SECRET },
  });
  const { app, issuer } = await createIdp({ realm, publicUrl: config.PUBLIC_URL, logger });
  const lifecycle = createLifecycle();
  const service = await serve(app, { ...listenOptions(config), logger, lifecycle });
  logger.info(
    { issuer, accessTokenLifespan: realm.accessTokenLifespan },
    'development IdP ready: log in as alice/alice (role user) or guest/guest (no role)',
  );
  shutDownOnSignals(service);
} catch (error) {
  exitOnStartupFailure(error);
}
