import { bearerAuth, type TokenVerifier } from '@cns/auth';
import {
  createLifecycle,
  createServiceApp,
  type Lifecycle,
  type Logger,
  type ServiceAppOptions,
} from '@cns/service-kit';
import type { Express } from 'express';
import type { ArticlesClient } from './articles-client.ts';
import { forwardCallerToken, type Relay } from './relay.ts';
import { webApiRoutes } from './web-api-routes.ts';

export interface AppDeps extends Pick<
  ServiceAppOptions,
  'corsAllowedOrigins' | 'rateLimit' | 'trustedProxyHops' | 'metrics'
> {
  verifier: TokenVerifier;
  articles: ArticlesClient;
  /** How the caller's identity reaches articles; default: its own token, forwarded. */
  relay?: Relay;
  logger: Logger;
  lifecycle?: Lifecycle;
}

/** The web-api service, ready to listen. */
export function createApp({
  verifier,
  articles,
  relay = forwardCallerToken,
  lifecycle = createLifecycle(),
  ...options
}: AppDeps): Express {
  const auth = bearerAuth({ verifier, realm: 'web-api' });
  return createServiceApp({
    ...options,
    service: 'web-api',
    lifecycle,
    routes: webApiRoutes(auth, articles, relay),
  });
}
