import { bearerAuth, type TokenVerifier } from '@cns/auth';
import {
  createLifecycle,
  createServiceApp,
  type Lifecycle,
  type Logger,
  type ServiceAppOptions,
} from '@cns/service-kit';
import type { Express } from 'express';
import { articlesRoutes } from './articles-routes.ts';

export interface AppDeps extends Pick<
  ServiceAppOptions,
  'corsAllowedOrigins' | 'rateLimit' | 'trustedProxyHops' | 'metrics'
> {
  verifier: TokenVerifier;
  logger: Logger;
  lifecycle?: Lifecycle;
}

/** The articles service, ready to listen. */
export function createApp({
  verifier,
  lifecycle = createLifecycle(),
  ...options
}: AppDeps): Express {
  const auth = bearerAuth({ verifier, realm: 'articles' });
  return createServiceApp({
    ...options,
    service: 'articles',
    lifecycle,
    routes: articlesRoutes(auth),
  });
}
