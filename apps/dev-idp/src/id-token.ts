import type { KoaContextWithOIDC } from 'oidc-provider';
import { profileClaims } from './keycloak-claims.ts';
import type { RealmUser } from './realm.ts';

/**
 * The ID token Keycloak adds to a token response when the client asked for `openid`, for the
 * grants oidc-provider does not know (the password grant, token exchange): audience the client,
 * the user's profile claims and the session id.
 */
export async function issueIdToken(
  ctx: KoaContextWithOIDC,
  user: RealmUser,
  sid: string,
  scope: string,
): Promise<string> {
  const token = new ctx.oidc.provider.IdToken({ sub: user.id, ...profileClaims(user) }, { ctx });
  // IdToken filters claims by this field; the typings do not declare it.
  Object.assign(token, { scope });
  token.set('sid', sid);
  return token.issue({ use: 'idtoken' });
}
