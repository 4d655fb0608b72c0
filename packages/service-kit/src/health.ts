import type { Router } from 'express';
import type { Lifecycle } from './lifecycle.ts';
import { strictRouter } from './strict-router.ts';

/**
 * `/health/live` answers while the process runs; `/health/ready` fails once shutdown begins. Neither
 * checks the IdP or other services: a dependency outage must not take every replica out of
 * rotation, and restarting this process would not fix it.
 */
export function healthRoutes(lifecycle: Lifecycle): Router {
  const router = strictRouter();
  router.get('/health/live', (_req, res) => {
    res.json({ status: 'up' });
  });
  router.get('/health/ready', (_req, res) => {
    res
      .status(lifecycle.ready ? 200 : 503)
      .json({ status: lifecycle.ready ? 'ready' : 'draining' });
  });
  return router;
}
