import { bearerAuth, type TokenVerifier } from '@cns/auth';
import { createLifecycle, createServiceApp, type Lifecycle, type Logger } from '@cns/service-kit';
import type { Express } from 'express';
import type { ArticlesClient } from './articles-client.ts';
import { webApiRoutes } from './web-api-routes.ts';

export interface AppDeps {
  verifier: TokenVerifier;
  articles: ArticlesClient;
  logger: Logger;
  lifecycle?: Lifecycle;
}

/** The web-api service, ready to listen. */
export function createApp({
  verifier,
  articles,
  logger,
  lifecycle = createLifecycle(),
}: AppDeps): Express {
  const auth = bearerAuth({ verifier, realm: 'web-api' });
  return createServiceApp({ logger, lifecycle, routes: webApiRoutes(auth, articles) });
}
