import { randomUUID } from 'node:crypto';
import {
  exportJWK,
  exportSPKI,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTHeaderParameters,
} from 'jose';
import { listen } from './listen.ts';

export interface SigningKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  /** The public key as SPKI PEM, as an attacker would copy it from the IdP. */
  publicPem: string;
}

/** A fresh key pair, as an IdP would hold it. */
export async function createSigningKey(alg = 'RS256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = randomUUID();
  return {
    kid,
    alg,
    privateKey,
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' },
    publicPem: await exportSPKI(publicKey),
  };
}

export interface SignOptions {
  /** Seconds from now; negative for an expired token. Default 60, like the realm. */
  expiresInSeconds?: number;
  /** Sign with this key instead of the issuer's current one. */
  key?: SigningKey;
  /** Header parameters to add or override. */
  header?: Partial<JWTHeaderParameters>;
}

export interface TestIssuer {
  issuer: string;
  jwksUri: string;
  /** How many times the JWKS endpoint was asked for keys. */
  readonly jwksRequests: number;
  /** The URL of each JWKS request, so callers that add a query (`?for=web-api`) can be told apart. */
  readonly jwksRequestUrls: readonly string[];
  /** The key tokens are signed with by default. */
  readonly currentKey: SigningKey;
  /** A Keycloak-shaped access token for alice with role `user`; `claims` override or add. */
  sign(claims?: Record<string, unknown>, options?: SignOptions): Promise<string>;
  /** Publishes a JWK exactly as given beside the issuer's keys, e.g. a weak or a private one. */
  publishJwk(jwk: JWK): void;
  /** Publishes a new key beside the old ones and signs with it from now on. */
  rotateKey(): Promise<SigningKey>;
  /** While down, the JWKS endpoint answers 503 like an IdP in trouble. */
  setAvailable(available: boolean): void;
  /** Stops listening, so connections are refused like a crashed IdP's. */
  stop(): Promise<void>;
  /** Listens again on the same port, with the same keys. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A real issuer on loopback: RS256 keys, a JWKS endpoint that counts its requests, and tokens with
 * the claims Keycloak puts in access tokens for our realm.
 */
export async function startTestIssuer(): Promise<TestIssuer> {
  const keys = [await createSigningKey()];
  const extraJwks: JWK[] = [];
  const jwksRequestUrls: string[] = [];
  let available = true;
  const server = await listen((req, res) => {
    if (
      new URL(req.url ?? '/', 'http://x').pathname !== '/realms/test/protocol/openid-connect/certs'
    ) {
      res.writeHead(404).end();
      return;
    }
    jwksRequestUrls.push(req.url ?? '');
    if (!available) {
      res.writeHead(503).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [...keys.map((key) => key.publicJwk), ...extraJwks] }));
  });
  const issuer = `${server.url}/realms/test`;
  const current = () => keys.at(-1) as SigningKey;

  return {
    issuer,
    jwksUri: `${issuer}/protocol/openid-connect/certs`,
    get jwksRequests() {
      return jwksRequestUrls.length;
    },
    jwksRequestUrls,
    get currentKey() {
      return current();
    },
    sign(claims = {}, { expiresInSeconds = 60, key = current(), header = {} } = {}) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({
        iss: issuer,
        sub: 'eb4123a3-b722-4798-9af5-8957f823657a',
        // A forward-mode token of the web-app: it names both APIs.
        aud: ['web-api', 'articles'],
        azp: 'frontend',
        typ: 'Bearer',
        jti: randomUUID(),
        iat: now,
        exp: now + expiresInSeconds,
        preferred_username: 'alice',
        realm_access: { roles: ['user'] },
        ...claims,
      })
        .setProtectedHeader({ alg: key.alg, typ: 'JWT', kid: key.kid, ...header })
        .sign(key.privateKey);
    },
    publishJwk(jwk) {
      extraJwks.push(jwk);
    },
    async rotateKey() {
      keys.push(await createSigningKey());
      return current();
    },
    setAvailable(value) {
      available = value;
    },
    stop: () => server.close(),
    restart: () => server.relisten(),
    close: () => server.close(),
  };
}
