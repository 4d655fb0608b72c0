import { randomBytes } from 'node:crypto';
import { decodeJwt, type JWK } from 'jose';
import Provider, {
  errors,
  type ClientMetadata,
  type Configuration,
  type KoaContextWithOIDC,
  type ResourceServer,
  type TokenEndpointGrantContext,
} from 'oidc-provider';
import { escapeHtml, page } from './html.ts';
import { issueIdToken } from './id-token.ts';
import {
  grantScope,
  invalidScopeDescription,
  keycloakAccessTokenClaims,
  profileClaims,
  requestedScopes,
  tokenRequestScopes,
} from './keycloak-claims.ts';
import type { Realm, RealmClient } from './realm.ts';
import { allowedOrigins, redirectUriAllowed } from './redirect-uris.ts';
import { createRefreshTokenIdFactory, type RefreshTokenFields } from './refresh-token-id.ts';
import {
  EXCHANGE_AUDIENCE,
  TOKEN_EXCHANGE_GRANT,
  TOKEN_EXCHANGE_PARAMS,
  tokenExchangeGrant,
} from './token-exchange-grant.ts';

export interface ProviderOptions {
  realm: Realm;
  /** e.g. `http://localhost:8080/auth/realms/quarkus` */
  issuer: string;
  /** Path the provider is mounted at, e.g. `/auth/realms/quarkus`. */
  basePath: string;
  /** The private RS256 key, with `kid`. */
  signingKey: JWK;
}

// Access tokens are JWTs only when issued for a resource server; this one stands for "the realm".
const RESOURCE = 'urn:dev-idp:realm-access-token';
const OIDC = '/protocol/openid-connect';
const ROUTES = {
  authorization: `${OIDC}/auth`,
  token: `${OIDC}/token`,
  jwks: `${OIDC}/certs`,
  end_session: `${OIDC}/logout`,
  revocation: `${OIDC}/revoke`,
};

/**
 * Every path oidc-provider serves here, as Express paths. Its own router ignores case; Keycloak's
 * does not, so the app hands it these exact paths only.
 */
export const PROVIDER_PATHS = [
  '/.well-known/openid-configuration',
  ...Object.values(ROUTES),
  `${ROUTES.authorization}/:uid`,
  `${ROUTES.end_session}/confirm`,
  `${ROUTES.end_session}/success`,
];

/**
 * oidc-provider configured to look like Keycloak to keycloak-js, curl and jose: Keycloak's routes,
 * JWT access tokens with Keycloak's claims, the password grant, JWT-shaped refresh tokens,
 * Keycloak's redirect-URI and web-origin rules, Keycloak's standard token exchange, and no consent
 * screen for first-party clients.
 */
export function createProvider({ realm, issuer, basePath, signingKey }: ProviderOptions): Provider {
  const clients = new Map(realm.clients.map((client) => [client.clientId, client]));
  const realmClient = (clientId: string | undefined) =>
    clientId ? clients.get(clientId) : undefined;
  // Every scope a token may carry: the OIDC ones and the optional client scopes of the realm.
  // oidc-provider leaves out of a token's scopes what its resource server does not list.
  const resourceScope = [
    ...new Set(['openid', 'profile', 'email', ...realm.clients.flatMap(optionalScopeNames)]),
  ].join(' ');
  const resourceServer = (): ResourceServer => ({
    scope: resourceScope,
    audience: realm.name,
    accessTokenFormat: 'jwt',
    accessTokenTTL: realm.accessTokenLifespan,
    jwt: { sign: { alg: 'RS256' } },
  });

  const configuration: Configuration = {
    clients: realm.clients.map(toClientMetadata),
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    findAccount(_ctx, sub) {
      const user = realm.findUser(sub);
      return user && { accountId: sub, claims: () => ({ sub, ...profileClaims(user) }) };
    },
    claims: {
      openid: ['sub'],
      profile: ['name', 'given_name', 'family_name', 'preferred_username'],
      email: ['email', 'email_verified'],
    },
    scopes: ['openid', 'profile', 'email', 'offline_access'],
    conformIdTokenClaims: false,
    responseTypes: ['code'],
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      // Served by our own route: oidc-provider refuses access tokens that carry an audience.
      userinfo: { enabled: false },
      revocation: { enabled: true },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: resourceServer,
      },
    },
    discovery: { userinfo_endpoint: `${issuer}${OIDC}/userinfo` },
    interactions: { url: (_ctx, interaction) => `${basePath}/login-actions/${interaction.uid}` },
    // First-party client: grant what it asks for instead of showing a consent screen, like Keycloak.
    async loadExistingGrant(ctx) {
      const { client, session, provider } = ctx.oidc;
      if (!client || !session?.accountId) return undefined;
      const grantId = ctx.oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId);
      const grant =
        (grantId ? await provider.Grant.find(grantId) : undefined) ??
        new provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope('openid profile email offline_access');
      grant.addResourceScope(RESOURCE, resourceScope);
      await grant.save();
      return grant;
    },
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: realm.revokeRefreshToken,
    ttl: {
      AccessToken: realm.accessTokenLifespan,
      IdToken: realm.accessTokenLifespan,
      RefreshToken: realm.ssoSessionIdleTimeout,
      Session: realm.ssoSessionIdleTimeout,
      Grant: realm.ssoSessionIdleTimeout,
      Interaction: 1800,
      AuthorizationCode: 60,
    },
    routes: ROUTES,
    clientBasedCORS(_ctx, origin, client) {
      const found = realmClient(client.clientId);
      return (
        found !== undefined && allowedOrigins(found.webOrigins, found.redirectUris).has(origin)
      );
    },
    formats: {
      customizers: {
        jwt(ctx, token, parts) {
          const client = realmClient(token.clientId);
          const user = 'accountId' in token ? realm.findUser(token.accountId) : undefined;
          if (!client || !user) return;
          const { exp, iat, jti, iss, sub } = parts.payload;
          // Keycloak names the login time in tokens from a browser login, and not after a password grant.
          const { AuthorizationCode, RefreshToken } = ctx.oidc.entities;
          const authTime = AuthorizationCode?.authTime ?? RefreshToken?.authTime;
          // A token exchange names the audience it was asked for, not all of the client's.
          const requested: unknown =
            'extra' in token ? token.extra?.[EXCHANGE_AUDIENCE] : undefined;
          const audiences = Array.isArray(requested)
            ? requested.filter((audience): audience is string => typeof audience === 'string')
            : undefined;
          parts.header = { typ: 'JWT' };
          parts.payload = {
            exp,
            iat,
            ...(authTime !== undefined && { auth_time: authTime }),
            jti,
            iss,
            sub,
            ...keycloakAccessTokenClaims({
              user,
              client: audiences ? { ...client, audiences } : client,
              sid: 'sid' in token && typeof token.sid === 'string' ? token.sid : newSessionId(),
              scopes: token.scopes,
            }),
          };
        },
      },
    },
    renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = page(
        'Error',
        `<h1 id="kc-page-title">We are sorry…</h1><p id="kc-error-message">${escapeHtml(
          String(out.error_description ?? out.error),
        )}</p>`,
      );
    },
  };

  const provider = new Provider(issuer, configuration);
  patchKeycloakCompatibility(provider, realmClient, issuer);
  provider.registerGrantType('password', passwordGrant({ realm, realmClient, resourceServer }), [
    'username',
    'password',
    'scope',
  ]);
  provider.registerGrantType(
    TOKEN_EXCHANGE_GRANT,
    tokenExchangeGrant({
      realm,
      issuer,
      signingKey,
      resource: RESOURCE,
      resourceServer,
      realmClient,
    }),
    TOKEN_EXCHANGE_PARAMS,
  );
  provider.use(keycloakAuthorizationScope(basePath, issuer, realmClient));
  provider.use(keycloakClientAuthRefusal(realmClient));
  provider.use(keycloakTokenResponse(realm.ssoSessionIdleTimeout));
  provider.use(keycloakDirectGrantRefusal);
  provider.use(allowCredentialedCors);
  return provider;
}

function optionalScopeNames(client: RealmClient): string[] {
  return client.optionalScopes.map((scope) => scope.name);
}

function toClientMetadata(client: RealmClient): ClientMetadata {
  return {
    client_id: client.clientId,
    client_name: client.name,
    // Keycloak's "client-secret" authenticator; web-api sends HTTP Basic.
    ...(client.secret === undefined
      ? { token_endpoint_auth_method: 'none' }
      : { token_endpoint_auth_method: 'client_secret_basic', client_secret: client.secret }),
    grant_types: [
      ...(client.standardFlowEnabled ? ['authorization_code', 'refresh_token'] : []),
      ...(client.directAccessGrantsEnabled ? ['password', 'refresh_token'] : []),
      ...(client.standardTokenExchangeEnabled ? [TOKEN_EXCHANGE_GRANT] : []),
    ].filter((grant, index, all) => all.indexOf(grant) === index),
    response_types: client.standardFlowEnabled ? ['code'] : [],
    redirect_uris: client.redirectUris,
    post_logout_redirect_uris: client.postLogoutRedirectUris,
  };
}

/** Keycloak session ids are 24 random URL-safe characters. */
function newSessionId(): string {
  return randomBytes(18).toString('base64url');
}

function patchKeycloakCompatibility(
  provider: Provider,
  realmClient: (clientId: string | undefined) => RealmClient | undefined,
  issuer: string,
) {
  const clientPrototype = provider.Client.prototype as unknown as {
    clientId: string;
    redirectUriAllowed(uri: string): boolean;
    postLogoutRedirectUriAllowed(uri: string): boolean;
    includeSid(): boolean;
  };
  // Keycloak's matching (exact, or prefix with a trailing `*`) instead of oidc-provider's exact one.
  clientPrototype.redirectUriAllowed = function (uri) {
    return redirectUriAllowed(realmClient(this.clientId)?.redirectUris ?? [], uri);
  };
  clientPrototype.postLogoutRedirectUriAllowed = function (uri) {
    return redirectUriAllowed(realmClient(this.clientId)?.postLogoutRedirectUris ?? [], uri);
  };
  // Keycloak puts `sid` in every token; oidc-provider only for back-channel logout clients.
  clientPrototype.includeSid = () => true;

  const refreshTokenId = createRefreshTokenIdFactory(issuer);
  const refreshPrototype = provider.RefreshToken.prototype as unknown as {
    generateTokenId(this: RefreshTokenFields): string;
  };
  refreshPrototype.generateTokenId = function () {
    return refreshTokenId(this);
  };
}

type PasswordGrantParams = { username?: string; password?: string };

/** Keycloak's "direct access grant": the curl labs get tokens with it. */
function passwordGrant(options: {
  realm: Realm;
  realmClient: (clientId: string | undefined) => RealmClient | undefined;
  resourceServer: () => ResourceServer;
}) {
  const { realm, realmClient, resourceServer } = options;
  return async (ctx: TokenEndpointGrantContext<PasswordGrantParams>) => {
    const { provider, client, params } = ctx.oidc;
    if (!params.username) throw new errors.InvalidRequest('Missing parameter: username');
    const requested = tokenRequestScopes(realmClient(client.clientId), params.scope);
    // Keycloak answers a missing password like a wrong one.
    const user = params.password ? realm.authenticate(params.username, params.password) : undefined;
    if (!user)
      throw new errors.CustomOIDCProviderError('invalid_grant', 'Invalid user credentials');

    const openid = requested.includes('openid');
    const scope = grantScope(requested);
    const grant = new provider.Grant({ accountId: user.id, clientId: client.clientId });
    grant.addOIDCScope(scope);
    grant.addResourceScope(RESOURCE, scope);
    const grantId = await grant.save();
    const sid = newSessionId();

    const accessToken = new provider.AccessToken({
      accountId: user.id,
      client,
      grantId,
      gty: 'password',
      sid,
      scope,
    });
    accessToken.resourceServer = new provider.ResourceServer(RESOURCE, resourceServer());
    const refreshToken = new provider.RefreshToken({
      accountId: user.id,
      client,
      grantId,
      gty: 'password',
      sid,
      scope,
      resource: RESOURCE,
    });
    const idToken = openid ? await issueIdToken(ctx, user, sid, scope) : undefined;
    ctx.body = {
      access_token: await accessToken.save(),
      expires_in: accessToken.expiration,
      refresh_token: await refreshToken.save(),
      token_type: 'Bearer',
      ...(idToken && { id_token: idToken }),
      scope,
    };
  };
}

/**
 * Keycloak's reading of the authorization request's `scope`. A scope the client does not have
 * sends the browser back to the app with `invalid_scope`, once client and redirect URI are known
 * good (otherwise oidc-provider refuses the request as Keycloak does). With `openid`, Keycloak
 * grants the default scopes `profile` and `email` too, so its ID tokens carry the user's name:
 * they are added to the request here.
 */
function keycloakAuthorizationScope(
  basePath: string,
  issuer: string,
  realmClient: (clientId: string | undefined) => RealmClient | undefined,
) {
  return async (ctx: KoaContextWithOIDC, next: () => Promise<void>) => {
    const { scope, client_id, redirect_uri, state } = ctx.query;
    if (ctx.path === `${OIDC}/auth` && typeof scope === 'string') {
      const client = realmClient(typeof client_id === 'string' ? client_id : undefined);
      if (
        client &&
        typeof redirect_uri === 'string' &&
        redirectUriAllowed(client.redirectUris, redirect_uri) &&
        !requestedScopes(client, scope).valid
      ) {
        const back = new URL(redirect_uri);
        back.searchParams.set('error', 'invalid_scope');
        back.searchParams.set('error_description', invalidScopeDescription(scope));
        if (typeof state === 'string') back.searchParams.set('state', state);
        back.searchParams.set('iss', issuer);
        ctx.redirect(back.href);
        return;
      }
      const scopes = new Set(scope.split(' ').filter(Boolean));
      if (scopes.has('openid')) {
        scopes.add('profile').add('email');
        ctx.query = { ...ctx.query, scope: [...scopes].join(' ') };
        // oidc-provider derives its mount path from originalUrl and url: keep them in step.
        Object.assign(ctx.req, { originalUrl: `${basePath}${ctx.url}` });
      }
    }
    await next();
  };
}

/** Adds the members Keycloak puts in every token response, in Keycloak's order. */
function keycloakTokenResponse(refreshExpiresIn: number) {
  return async (ctx: KoaContextWithOIDC, next: () => Promise<void>) => {
    await next();
    const body = ctx.body as Record<string, unknown> | undefined;
    if (
      ctx.oidc?.route !== 'token' ||
      ctx.status !== 200 ||
      typeof body?.access_token !== 'string'
    ) {
      return;
    }
    const { access_token, expires_in, refresh_token, token_type, id_token, issued_token_type } =
      body;
    // The requested scope may be just `openid`; Keycloak reports the default scopes it added.
    const { sid, scope } = decodeJwt(access_token);
    ctx.body = {
      access_token,
      expires_in,
      // A token exchange hands out no refresh token: Keycloak says 0.
      refresh_expires_in: refresh_token === undefined ? 0 : refreshExpiresIn,
      refresh_token,
      token_type,
      ...(id_token !== undefined && { id_token }),
      'not-before-policy': 0,
      session_state: sid,
      scope,
      ...(issued_token_type !== undefined && { issued_token_type }),
    };
  };
}

/**
 * Keycloak's answers where a client may not do what it asks: wrong credentials are 401
 * `unauthorized_client` (oidc-provider: `invalid_client`), and a client without the switch asking
 * for a token exchange is told so.
 */
function keycloakClientAuthRefusal(
  realmClient: (clientId: string | undefined) => RealmClient | undefined,
) {
  return async (ctx: KoaContextWithOIDC, next: () => Promise<void>) => {
    await next();
    const body = ctx.body as Record<string, unknown> | undefined;
    if (ctx.oidc?.route !== 'token' || typeof body?.error !== 'string') return;
    // An unknown client stays `invalid_client`, as at Keycloak.
    if (
      body.error === 'invalid_client' &&
      ctx.status === 401 &&
      realmClient(basicClientId(ctx.get('authorization')))?.secret !== undefined
    ) {
      ctx.body = {
        error: 'unauthorized_client',
        error_description: 'Invalid client or Invalid client credentials',
      };
    } else if (
      ctx.oidc.params?.grant_type === TOKEN_EXCHANGE_GRANT &&
      body.error_description === 'requested grant type is not allowed for this client'
    ) {
      ctx.body = {
        error: 'invalid_request',
        error_description: 'Standard token exchange is not enabled for the requested client',
      };
    }
  };
}

/** The client id of an HTTP Basic `Authorization` header (RFC 6749, section 2.3.1). */
function basicClientId(header: string): string | undefined {
  const [scheme, value = ''] = header.split(' ');
  if (scheme?.toLowerCase() !== 'basic') return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  try {
    return decodeURIComponent(decoded.slice(0, colon));
  } catch {
    return undefined;
  }
}

/**
 * Keycloak's answer to the password grant for a client without direct access grants (the
 * web-app's `frontend`); oidc-provider says `invalid_request`.
 */
async function keycloakDirectGrantRefusal(ctx: KoaContextWithOIDC, next: () => Promise<void>) {
  await next();
  const body = ctx.body as Record<string, unknown> | undefined;
  if (
    ctx.oidc?.route === 'token' &&
    ctx.oidc.params?.grant_type === 'password' &&
    ctx.oidc.client?.grantTypeAllowed('password') === false &&
    body?.error === 'invalid_request'
  ) {
    ctx.body = {
      error: 'unauthorized_client',
      error_description: 'Client not allowed for direct access grants',
    };
  }
}

// keycloak-js calls the token endpoint with credentials; oidc-provider never allows them.
async function allowCredentialedCors(ctx: KoaContextWithOIDC, next: () => Promise<void>) {
  await next();
  const origin = ctx.response.get('access-control-allow-origin');
  if (origin && origin !== '*') ctx.set('access-control-allow-credentials', 'true');
}

// Keycloak ends the session at once when the client sends an id_token_hint of this very session
// (keycloak-js does), and otherwise asks the user, so that a link on another site cannot sign
// anyone out, not even with an ID token of the attacker's own. oidc-provider always asks; with the
// session's own hint, this page answers on the user's behalf.
function logoutSource(ctx: KoaContextWithOIDC, form: string) {
  const confirm = form
    .replace('<form ', '<form id="logout" ')
    .replace(
      '</form>',
      '<input type="hidden" name="logout" value="yes"><button type="submit" id="kc-logout">Sign out</button></form>',
    );
  ctx.type = 'html';
  ctx.body = hintsAtThisSession(ctx)
    ? page(
        'Signing out',
        `<h1 id="kc-page-title">Signing out…</h1>${confirm}<script>document.forms.logout.submit()</script>`,
      )
    : page('Sign out', `<h1 id="kc-page-title">Do you want to sign out?</h1>${confirm}`);
}

/** Whether the validated id_token_hint was issued in the browser's own session. */
function hintsAtThisSession(ctx: KoaContextWithOIDC): boolean {
  const hint = (ctx.oidc.entities.IdTokenHint as { payload?: { sub?: unknown; sid?: unknown } })
    ?.payload;
  const { session, client } = ctx.oidc;
  if (!hint || !session?.accountId || !client) return false;
  return hint.sub === session.accountId && hint.sid === session.sidFor(client.clientId);
}

function postLogoutSuccessSource(ctx: KoaContextWithOIDC) {
  ctx.type = 'html';
  ctx.body = page('Signed out', '<h1 id="kc-page-title">You are signed out</h1>');
}
