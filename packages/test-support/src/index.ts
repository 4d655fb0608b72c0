export { browserSession, type BrowserSession } from './browser-session.ts';
export {
  decodePayload,
  hmacToken,
  rawRs256Token,
  unsignedToken,
  withTamperedPayload,
} from './hostile-tokens.ts';
export { listen, type Listening } from './listen.ts';
export { passwordGrant } from './password-grant.ts';
export {
  createSigningKey,
  startTestIssuer,
  type SignOptions,
  type SigningKey,
  type TestIssuer,
} from './test-issuer.ts';
