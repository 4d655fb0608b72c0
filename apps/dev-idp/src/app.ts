import { AuthError, readBearerToken } from '@cns/auth';
import { errorHandler, notFound, strictApp, strictRouter, type Logger } from '@cns/service-kit';
import express, { type Express, type Request, type RequestHandler, type Response } from 'express';
import { createLocalJWKSet, jwtVerify } from 'jose';
import type Provider from 'oidc-provider';
import type { Interaction } from 'oidc-provider';
import { escapeHtml, page, PAGE_CSP } from './html.ts';
import { profileClaims } from './keycloak-claims.ts';
import { loginPage } from './login-page.ts';
import { createProvider, PROVIDER_PATHS } from './provider.ts';
import type { Realm } from './realm.ts';
import { generateSigningKey } from './signing-key.ts';

export interface IdpOptions {
  realm: Realm;
  /** Origin the browser and curl use, e.g. `http://localhost:8080`. */
  publicUrl: string;
  logger: Logger;
}

export interface Idp {
  app: Express;
  issuer: string;
  provider: Provider;
}

/**
 * The development IdP under Keycloak's URL layout: `/auth/realms/<realm>/...` with discovery,
 * login, token, certs, userinfo and logout.
 */
export async function createIdp({ realm, publicUrl, logger }: IdpOptions): Promise<Idp> {
  const basePath = `/auth/realms/${encodeURIComponent(realm.name)}`;
  const issuer = `${new URL(publicUrl).origin}${basePath}`;
  const key = await generateSigningKey();
  const provider = createProvider({ realm, issuer, basePath, signingKey: key.privateJwk });
  const publicKeys = createLocalJWKSet({ keys: [publicJwk(key.privateJwk)] });

  const realmRoutes = strictRouter();
  realmRoutes.get('/', (_req, res) => {
    res.json({
      realm: realm.name,
      public_key: key.publicKeyDer,
      'token-service': `${issuer}/protocol/openid-connect`,
      'account-service': `${issuer}/account`,
      'tokens-not-before': 0,
    });
  });

  // oidc-provider refuses access tokens that name an audience at userinfo; Keycloak accepts them.
  realmRoutes.all('/protocol/openid-connect/userinfo', async (req, res) => {
    const token = readBearerToken(req, realm.name);
    const invalid = () =>
      new AuthError('invalid_token', 'bad_signature', 'Token verification failed', realm.name);
    const { payload } = await jwtVerify(token, publicKeys, {
      issuer,
      algorithms: ['RS256'],
      typ: 'JWT',
    }).catch(() => {
      throw invalid();
    });
    const user = realm.findUser(payload.sub ?? '');
    if (!user) throw invalid();
    // OpenID Connect's userinfo is for tokens granted the openid scope; Keycloak enforces that.
    if (typeof payload.scope !== 'string' || !payload.scope.split(' ').includes('openid')) {
      throw new AuthError(
        'insufficient_scope',
        'claim_invalid',
        'Missing openid scope',
        realm.name,
      );
    }
    res.json({ sub: user.id, ...profileClaims(user) });
  });

  realmRoutes
    .route('/login-actions/:uid')
    .get(async (req, res) => {
      const details = await interaction(req, res);
      if (!details) return;
      const client = realm.clients.find(
        (candidate) => candidate.clientId === details.params.client_id,
      );
      res.set('Content-Security-Policy', PAGE_CSP).send(
        loginPage({
          realmTitle: realm.displayName,
          clientName: client?.name ?? 'this application',
          action: req.originalUrl,
        }),
      );
    })
    .post(express.urlencoded({ extended: false, limit: '4kb' }), async (req, res) => {
      if (!(await interaction(req, res))) return;
      // A field sent twice arrives as an array: treat it like a missing one.
      const field = (value: unknown) => (typeof value === 'string' ? value : '');
      const body = req.body as Record<string, unknown>;
      const [username, password] = [field(body.username), field(body.password)];
      const user = realm.authenticate(username, password);
      if (!user) {
        logger.info({ username }, 'login failed');
        res.set('Content-Security-Policy', PAGE_CSP).send(
          loginPage({
            realmTitle: realm.displayName,
            clientName: 'this application',
            action: req.originalUrl,
            username,
            failed: true,
          }),
        );
        return;
      }
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: user.id } },
        { mergeWithLastSubmission: false },
      );
    });

  /** The pending login, or an error page when its cookie expired or the back button replayed it. */
  async function interaction(req: Request, res: Response): Promise<Interaction | undefined> {
    try {
      return await provider.interactionDetails(req, res);
    } catch {
      res
        .status(400)
        .set('Content-Security-Policy', PAGE_CSP)
        .send(
          page(
            'Error',
            `<h1 id="kc-page-title">Login expired</h1><p id="kc-error-message">${escapeHtml('This login attempt is no longer valid. Go back to the application and sign in again.')}</p>`,
          ),
        );
      return undefined;
    }
  }

  const app = strictApp();
  app.disable('x-powered-by');
  app.use(basePath, realmRoutes);
  app.post(`${basePath}/protocol/openid-connect/logout`, postLogout);
  app.use(basePath, strictRouter().all(PROVIDER_PATHS, provider.callback()));
  app.use(notFound);
  app.use(errorHandler(logger));
  return { app, issuer, provider };
}

/**
 * Keycloak accepts logout as a form POST, which keeps the ID token out of the URL, browser history
 * and proxy logs. oidc-provider serves POST logout only with `SameSite=None` cookies, which need
 * HTTPS; so the form's fields go to its GET handler here, inside the process. The browser's
 * session cookie still arrives (the form is same-site), and the logout page checks that the
 * `id_token_hint` belongs to that session.
 */
const postLogout: RequestHandler[] = [
  express.urlencoded({ extended: false, limit: '16kb' }),
  (req, _res, next) => {
    // A body that is not a form leaves req.body undefined, and a field sent twice arrives as an
    // array: leave them out, so the logout page asks for confirmation as it does for a bare GET.
    const fields = Object.entries((req.body ?? {}) as Record<string, unknown>).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string',
    );
    req.method = 'GET';
    req.url = `${req.path}?${new URLSearchParams(fields).toString()}`;
    // oidc-provider derives its mount path from originalUrl and url: keep them in step.
    req.originalUrl = req.url;
    next();
  },
];

function publicJwk({
  kty,
  n,
  e,
  kid,
  alg,
  use,
}: Awaited<ReturnType<typeof generateSigningKey>>['privateJwk']) {
  return { kty, n, e, kid, alg, use };
}
