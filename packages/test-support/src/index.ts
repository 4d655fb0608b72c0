export {
  elementIds,
  formAction,
  LOCAL_APP_URL,
  startLogin,
  type LoginPage,
  type LoginResult,
} from './browser-login.ts';
export { browserSession, type BrowserSession } from './browser-session.ts';
export {
  decodePayload,
  hmacToken,
  rawRs256Token,
  unsignedToken,
  withTamperedPayload,
} from './hostile-tokens.ts';
export {
  accessToken,
  developmentIdp,
  identityProvider,
  runningKeycloak,
  type IdentityProvider,
} from './identity-provider.ts';
export { freePort } from './free-port.ts';
export { listen, type Listening } from './listen.ts';
export { ARTICLES_AUDIENCE_SCOPE, passwordGrant, type RelayMode } from './password-grant.ts';
export { startServiceProcess, type ServiceProcess } from './service-process.ts';
export {
  createSigningKey,
  startTestIssuer,
  type SignOptions,
  type SigningKey,
  type TestIssuer,
} from './test-issuer.ts';
export { CLUSTER_TOOLS, createStubs, pathWithout, type Stubs } from './tool-stubs.ts';
