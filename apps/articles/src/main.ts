import { createTokenVerifier } from '@cns/auth';
import { runService } from '@cns/service-kit';
import { createApp } from './app.ts';
import { loadConfig } from './config.ts';

await runService('articles', loadConfig, (config, context) => {
  const verifier = createTokenVerifier({
    issuer: config.OIDC_ISSUER,
    jwksUri: config.OIDC_JWKS_URI,
    audience: config.OIDC_AUDIENCE,
    authorizedParties: config.OIDC_AUTHORIZED_PARTIES,
  });
  return { app: createApp({ verifier, ...context }), warmUp: () => verifier.loadKeys() };
});
