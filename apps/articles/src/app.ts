import { bearerAuth, type TokenVerifier } from '@cns/auth';
import { createLifecycle, createServiceApp, type Lifecycle, type Logger } from '@cns/service-kit';
import type { Express } from 'express';
import { articlesRoutes } from './articles-routes.ts';

export interface AppDeps {
  verifier: TokenVerifier;
  logger: Logger;
  lifecycle?: Lifecycle;
}

/** The articles service, ready to listen. */
export function createApp({ verifier, logger, lifecycle = createLifecycle() }: AppDeps): Express {
  const auth = bearerAuth({ verifier, realm: 'articles' });
  return createServiceApp({ logger, lifecycle, routes: articlesRoutes(auth) });
}
