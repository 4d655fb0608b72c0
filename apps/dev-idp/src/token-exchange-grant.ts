import { createLocalJWKSet, jwtVerify, type JWK } from 'jose';
import { errors, type ResourceServer, type TokenEndpointGrantContext } from 'oidc-provider';
import { issueIdToken } from './id-token.ts';
import { grantScope, tokenRequestScopes } from './keycloak-claims.ts';
import type { Realm, RealmClient } from './realm.ts';

/** RFC 8693, section 2.1. */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const TOKEN_EXCHANGE_PARAMS = ['subject_token', 'subject_token_type', 'audience', 'scope'];
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

type ExchangeParams = {
  subject_token?: string;
  subject_token_type?: string;
  audience?: string;
  scope?: string;
};

export interface TokenExchangeGrantOptions {
  realm: Realm;
  issuer: string;
  /** The provider's signing key: subject tokens must be this IdP's own. */
  signingKey: JWK;
  resource: string;
  resourceServer: () => ResourceServer;
  /** Looks up the requesting client's realm settings. */
  realmClient: (clientId: string | undefined) => RealmClient | undefined;
}

/** Where the customizer finds the audience the exchanged token carries. */
export const EXCHANGE_AUDIENCE = 'exchangeAudience';

/**
 * Keycloak 26's "standard token exchange": a confidential client with the switch on trades an
 * access token issued to someone else, and naming it in `aud`, for an access token of its own
 * for the same user and session, whose `aud` is the requested client alone. Errors carry
 * Keycloak's codes and descriptions, checked against Keycloak by the parity suite.
 */
export function tokenExchangeGrant(options: TokenExchangeGrantOptions) {
  const { realm, issuer, resource, resourceServer, realmClient } = options;
  const { kty, n, e, kid, alg } = options.signingKey;
  const keys = createLocalJWKSet({ keys: [{ kty, n, e, kid, alg }] });
  const refuse = (description: string) =>
    new errors.CustomOIDCProviderError('invalid_request', description);

  return async (ctx: TokenEndpointGrantContext<ExchangeParams>) => {
    const { provider, client, params } = ctx.oidc;
    const requester = realmClient(client.clientId);
    if (!requester?.secret || !requester.standardTokenExchangeEnabled) {
      throw refuse('Standard token exchange is not enabled for the requested client');
    }
    if (!params.subject_token) {
      throw refuse("Parameter 'subject_token' required for standard token exchange");
    }
    if (!params.subject_token_type) {
      throw refuse("Parameter 'subject_token_type' required for standard token exchange");
    }
    if (params.subject_token_type !== ACCESS_TOKEN_TYPE) {
      throw refuse("Parameter 'subject_token' supports access tokens only");
    }
    const subject = await jwtVerify(params.subject_token, keys, {
      issuer,
      algorithms: ['RS256'],
    }).then(
      ({ payload }) => payload,
      () => undefined,
    );
    const user = subject?.typ === 'Bearer' ? realm.findUser(subject.sub ?? '') : undefined;
    const audiences = [subject?.aud ?? []].flat();
    if (!subject || !user || typeof subject.sid !== 'string') throw refuse('Invalid token');
    // The subject token must be meant for the requester (or be its own).
    if (!audiences.includes(requester.clientId) && subject.azp !== requester.clientId) {
      throw new errors.CustomOIDCProviderError(
        'access_denied',
        'Client is not within the token audience',
      );
    }
    let audience = requester.audiences;
    if (params.audience !== undefined) {
      if (!realm.clientIds.has(params.audience)) {
        throw new errors.CustomOIDCProviderError('invalid_client', 'Audience not found');
      }
      if (!requester.audiences.includes(params.audience)) {
        throw refuse(`Requested audience not available: ${params.audience}`);
      }
      audience = [params.audience];
    }

    // The requester's own scopes, and those it asks for: not the subject token's.
    const requested = tokenRequestScopes(requester, params.scope);
    const scope = grantScope(requested);
    const grant = new provider.Grant({ accountId: user.id, clientId: client.clientId });
    grant.addOIDCScope(scope);
    grant.addResourceScope(resource, scope);
    const grantId = await grant.save();
    const accessToken = new provider.AccessToken({
      accountId: user.id,
      client,
      grantId,
      gty: TOKEN_EXCHANGE_GRANT,
      sid: subject.sid,
      scope,
      extra: { [EXCHANGE_AUDIENCE]: audience },
    });
    accessToken.resourceServer = new provider.ResourceServer(resource, resourceServer());
    const openid = requested.includes('openid');
    ctx.body = {
      access_token: await accessToken.save(),
      expires_in: accessToken.expiration,
      token_type: 'Bearer',
      ...(openid && { id_token: await issueIdToken(ctx, user, subject.sid, scope) }),
      issued_token_type: ACCESS_TOKEN_TYPE,
    };
  };
}
