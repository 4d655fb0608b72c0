export {
  realmRoles,
  toAccessToken,
  type AccessToken,
  type KeycloakClaims,
} from './access-token.ts';
export { bearerAuth, type BearerAuth, type BearerAuthOptions } from './bearer-auth.ts';
export { MAX_TOKEN_LENGTH, readBearerToken } from './bearer-token.ts';
export {
  AuthError,
  TokenVerificationError,
  type AuthErrorCode,
  type AuthFailureReason,
} from './errors.ts';
export {
  createTokenVerifier,
  type RemoteTokenVerifier,
  type TokenVerifier,
} from './token-verifier.ts';
export { type TokenVerifierOptions } from './verifier-options.ts';
