import { createTokenVerifier } from '@cns/auth';
import { runService } from '@cns/service-kit';
import { createApp } from './app.ts';
import { createArticlesClient } from './articles-client.ts';
import { loadConfig } from './config.ts';

await runService('web-api', loadConfig, (config, context) => {
  const verifier = createTokenVerifier({
    issuer: config.OIDC_ISSUER,
    jwksUri: config.OIDC_JWKS_URI,
    audience: config.OIDC_AUDIENCE,
    authorizedParties: config.OIDC_AUTHORIZED_PARTIES,
  });
  const articles = createArticlesClient({
    baseUrl: config.ARTICLES_URL,
    timeoutMs: config.ARTICLES_TIMEOUT_MS,
  });
  return {
    app: createApp({ verifier, articles, ...context }),
    warmUp: () => verifier.loadKeys(),
    onClose: () => articles.close(),
  };
});
