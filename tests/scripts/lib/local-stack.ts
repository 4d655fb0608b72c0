import { startIdp } from '@cns/dev-idp/testing';
import {
  developmentIdp,
  startServiceProcess,
  type IdentityProvider,
  type ServiceProcess,
} from '@cns/test-support';

/** A development IdP with the repository's realm on a free port. */
export async function startDevelopmentIdp(): Promise<IdentityProvider> {
  return developmentIdp(await startIdp());
}

export interface LocalStack {
  idp: IdentityProvider;
  articles: ServiceProcess;
  webApi: ServiceProcess;
  close(): Promise<void>;
}

/** articles and web-api trusting the given identity provider, as `pnpm start` wires them. */
export async function startLocalStack(idp: IdentityProvider): Promise<LocalStack> {
  const oidc = {
    OIDC_ISSUER: idp.issuer,
    OIDC_JWKS_URI: idp.jwksUri,
    // The labs' tokens come from their own client, as in the services' local.env.
    OIDC_AUTHORIZED_PARTIES: 'frontend,labs-cli',
  };
  const articles = await startServiceProcess('articles', oidc);
  const webApi = await startServiceProcess('web-api', { ...oidc, ARTICLES_URL: articles.url });
  return {
    idp,
    articles,
    webApi,
    async close() {
      await Promise.all([webApi.stop(), articles.stop()]);
    },
  };
}
