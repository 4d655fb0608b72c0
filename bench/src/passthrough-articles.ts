import { createApp } from '@cns/articles/app';
import { toAccessToken, type TokenVerifier } from '@cns/auth';
import { createLifecycle, createLogger, serve } from '@cns/service-kit';

// articles exactly as main.ts builds it, except that the verifier trusts every token: the
// difference to the real service is what verification costs. Bench only; never deployed.
const trusted = toAccessToken({
  sub: 'bench',
  exp: 4_102_444_800,
  realm_access: { roles: ['user'] },
});
const verifier: TokenVerifier = { verify: () => Promise.resolve(trusted) };
const logger = createLogger({ service: 'articles-passthrough', level: 'info' });
const lifecycle = createLifecycle();
const service = await serve(
  createApp({ verifier, logger, lifecycle, rateLimit: { perSecond: 0, burst: 1 } }),
  {
    port: 0,
    host: '127.0.0.1',
    logger,
    lifecycle,
  },
);
process.once('SIGTERM', () => void service.shutdown());
