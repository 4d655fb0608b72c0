import type { ShallowRef } from 'vue';
import type { AccessTokenClaims } from './access-token-claims.ts';

/** The signed-in user's session. Tokens stay inside it, in memory. */
export interface Session {
  /** Claims of the current access token, replaced whenever the token is refreshed. */
  readonly claims: Readonly<ShallowRef<AccessTokenClaims>>;
  /**
   * An access token that stays valid long enough for one API call, refreshed first when needed.
   * Rejects with {@link SessionExpiredError} when the session cannot be refreshed any more, and
   * with {@link IdentityProviderUnavailableError} when the identity provider does not answer.
   */
  accessToken(): Promise<string>;
  /** Sends the browser to the identity provider's login page. */
  login(): Promise<void>;
  /** Ends the session at the identity provider, which then sends the browser back here. */
  logout(): Promise<void>;
}

/** The identity provider no longer refreshes the session: the user has to log in again. */
export class SessionExpiredError extends Error {
  override readonly name = 'SessionExpiredError';
}

/** The identity provider did not answer a refresh in time: the session may still be fine. */
export class IdentityProviderUnavailableError extends Error {
  override readonly name = 'IdentityProviderUnavailableError';
}
