import { createTokenVerifier } from '@cns/auth';
import { runService } from '@cns/service-kit';
import { createApp } from './app.ts';
import { createArticlesClient } from './articles-client.ts';
import { loadConfig } from './config.ts';
import { exchangeCallerToken, forwardCallerToken } from './relay.ts';
import { createTokenExchange } from './token-exchange.ts';

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
  const relay =
    config.RELAY_MODE === 'exchange'
      ? exchangeCallerToken(
          createTokenExchange({
            // Both are checked by loadConfig when RELAY_MODE is exchange.
            tokenEndpoint: config.OIDC_TOKEN_ENDPOINT ?? '',
            clientId: config.OIDC_CLIENT_ID,
            clientSecret: config.OIDC_CLIENT_SECRET ?? '',
            audience: config.ARTICLES_AUDIENCE,
            timeoutMs: config.TOKEN_EXCHANGE_TIMEOUT_MS,
          }),
        )
      : forwardCallerToken;
  return {
    app: createApp({ verifier, articles, relay, ...context }),
    warmUp: () => verifier.loadKeys(),
    onClose: () => articles.close(),
  };
});
