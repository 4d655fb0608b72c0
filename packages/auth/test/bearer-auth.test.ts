import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import {
  createSigningKey,
  decodePayload,
  hmacToken,
  listen,
  rawRs256Token,
  startTestIssuer,
  unsignedToken,
  withTamperedPayload,
  type Listening,
  type TestIssuer,
} from '@cns/test-support';
import express, { type ErrorRequestHandler } from 'express';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AuthError,
  bearerAuth,
  createTokenVerifier,
  type TokenVerifierOptions,
} from '../src/index.ts';

let idp: TestIssuer;
let api: Listening;

/** A protected route and an error middleware that renders AuthError as the services do. */
async function startApi(overrides: Partial<TokenVerifierOptions> = {}): Promise<Listening> {
  const verifier = createTokenVerifier({
    issuer: idp.issuer,
    jwksUri: idp.jwksUri,
    audience: 'articles',
    ...overrides,
  });
  const auth = bearerAuth({ verifier, realm: 'articles' });
  const app = express();
  app.get('/articles', auth.authenticate, auth.requireRole('user'), (req, res) => {
    res.json({
      subject: req.auth?.subject,
      username: req.auth?.username,
      roles: [...(req.auth?.roles ?? [])],
    });
  });
  const renderAuthError: ErrorRequestHandler = (error, _req, res, next) => {
    if (!(error instanceof AuthError)) return next(error);
    res.status(error.status).set(error.headers).json({ error: error.code, reason: error.reason });
  };
  app.use(renderAuthError);
  return listen(app);
}

async function get(authorization?: string) {
  const response = await fetch(`${api.url}/articles`, {
    headers: authorization === undefined ? {} : { authorization },
  });
  return {
    status: response.status,
    challenge: response.headers.get('www-authenticate'),
    body: (await response.json()) as Record<string, unknown>,
  };
}

beforeAll(async () => {
  idp = await startTestIssuer();
});
afterAll(() => idp.close());
beforeEach(async () => {
  await api?.close();
  api = await startApi();
});
afterAll(() => api.close());

describe('a valid token', () => {
  it('passes and exposes subject, username and realm roles on req.auth', async () => {
    const { status, body } = await get(`Bearer ${await idp.sign()}`);
    expect(status).toBe(200);
    expect(body).toEqual({
      subject: 'eb4123a3-b722-4798-9af5-8957f823657a',
      username: 'alice',
      roles: ['user'],
    });
  });

  it('is accepted with a lower-case scheme name', async () => {
    expect((await get(`bearer ${await idp.sign()}`)).status).toBe(200);
  });

  it('is accepted when aud is a single string naming the service', async () => {
    expect((await get(`Bearer ${await idp.sign({ aud: 'articles' })}`)).status).toBe(200);
  });

  it('is accepted just past exp, within the 5 s clock tolerance', async () => {
    expect((await get(`Bearer ${await idp.sign({}, { expiresInSeconds: -2 })}`)).status).toBe(200);
  });
});

describe('a request without usable credentials', () => {
  it('gets 401 and a challenge without an error code when no token is sent', async () => {
    const { status, challenge, body } = await get();
    expect(status).toBe(401);
    expect(challenge).toBe('Bearer realm="articles"');
    expect(body).toEqual({ error: 'missing_token', reason: 'missing_token' });
  });

  it('gets 401 like a missing token when another scheme is used', async () => {
    const { status, challenge } = await get('Basic YWxpY2U6YWxpY2U=');
    expect(status).toBe(401);
    expect(challenge).toBe('Bearer realm="articles"');
  });

  it.each([
    ['an empty Bearer', 'Bearer'],
    ['a token with spaces', 'Bearer abc def'],
    ['characters outside b64token', 'Bearer abc$def'],
    ['a token longer than 8 KiB', `Bearer ${'a'.repeat(8_193)}`],
  ])('gets 400 invalid_request for %s', async (_case, header) => {
    const { status, challenge, body } = await get(header);
    expect(status).toBe(400);
    expect(challenge).toMatch(
      /^Bearer realm="articles", error="invalid_request", error_description="/,
    );
    expect(body).toEqual({ error: 'invalid_request', reason: 'malformed_header' });
  });

  it('gets 400 invalid_request for two Authorization headers', async () => {
    const token = await idp.sign();
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const request = httpRequest(`${api.url}/articles`);
      request.setHeader('authorization', [`Bearer ${token}`, `Bearer ${token}`]);
      request
        .on('response', (res) => {
          res.resume();
          resolve(res.statusCode);
        })
        .on('error', reject)
        .end();
    });
    expect(status).toBe(400);
  });
});

describe('an invalid token gets 401 invalid_token with a challenge', () => {
  const cases: [string, () => Promise<string>, string][] = [
    ['not a JWT at all', () => Promise.resolve('not-a-jwt'), 'malformed_token'],
    [
      'a tampered payload',
      async () =>
        withTamperedPayload(await idp.sign(), {
          ...decodePayload(await idp.sign()),
          realm_access: { roles: ['admin', 'user'] },
        }),
      'bad_signature',
    ],
    ['an expired token', () => idp.sign({}, { expiresInSeconds: -60 }), 'token_expired'],
    [
      'a token not valid yet',
      () => idp.sign({ nbf: Math.floor(Date.now() / 1000) + 120 }),
      'token_not_yet_valid',
    ],
    [
      'another issuer',
      () => idp.sign({ iss: 'https://evil.example/realms/quarkus' }),
      'issuer_mismatch',
    ],
    [
      'an audience that is not articles',
      () => idp.sign({ aud: ['web-api', 'account'] }),
      'audience_mismatch',
    ],
    ['no audience at all', () => idp.sign({ aud: undefined }), 'audience_mismatch'],
    [
      'alg none',
      async () => unsignedToken(decodePayload(await idp.sign())),
      'algorithm_not_allowed',
    ],
    [
      'HS256 keyed with the public key',
      async () =>
        hmacToken(JSON.stringify(idp.currentKey.publicJwk), decodePayload(await idp.sign())),
      'algorithm_not_allowed',
    ],
    [
      'a key id the issuer never published',
      async () => idp.sign({}, { key: await createSigningKey() }),
      'unknown_key',
    ],
    [
      'a foreign key reusing the published key id',
      async () => idp.sign({}, { key: { ...(await createSigningKey()), kid: idp.currentKey.kid } }),
      'bad_signature',
    ],
    [
      'a header typ other than JWT',
      () => idp.sign({}, { header: { typ: 'id_token+jwt' } }),
      'wrong_token_type',
    ],
    ['no subject', () => idp.sign({ sub: undefined }), 'claim_invalid'],
    [
      'an unknown critical header',
      async () =>
        rawRs256Token(
          idp.currentKey.privateKey,
          { kid: idp.currentKey.kid, crit: ['exp-v2'], 'exp-v2': 1 },
          decodePayload(await idp.sign()),
        ),
      'malformed_token',
    ],
  ];

  it.each(cases)('%s', async (_case, makeToken, reason) => {
    const token = await makeToken();
    const { status, challenge, body } = await get(`Bearer ${token}`);
    expect({ status, body }).toEqual({ status: 401, body: { error: 'invalid_token', reason } });
    expect(challenge).toMatch(
      /^Bearer realm="articles", error="invalid_token", error_description="(?:[^"\\]|\\.)+"$/,
    );
    expect(challenge).not.toContain(token);
  });
});

describe('one token has one spelling', () => {
  /** The same token, spelled differently: base64url's unused low bits in the last character. */
  function respellLastCharacter(token: string): string {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(token.at(-1) ?? '');
    return `${token.slice(0, -1)}${alphabet[last ^ 1]}`;
  }

  it('the test token really has a lenient spelling jose accepts', async () => {
    const token = await idp.sign();
    const respelled = respellLastCharacter(token);
    expect(respelled).not.toBe(token);
    expect(Buffer.from(respelled.split('.')[2] ?? '', 'base64url')).toEqual(
      Buffer.from(token.split('.')[2] ?? '', 'base64url'),
    );
  });

  it.each<[string, (token: string) => string]>([
    ['padding after the signature', (token) => `${token}==`],
    ['a re-spelled last character of the signature', respellLastCharacter],
    ['a fourth segment', (token) => `${token}.e30`],
  ])('rejects %s with 401 malformed_token', async (_case, respell) => {
    const token = await idp.sign();
    expect((await get(`Bearer ${token}`)).status).toBe(200);
    const { status, body } = await get(`Bearer ${respell(token)}`);
    expect({ status, body }).toEqual({
      status: 401,
      body: { error: 'invalid_token', reason: 'malformed_token' },
    });
  });
});

describe('only access tokens of accepted clients pass', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['an ID token carrying the audience', { typ: 'ID', aud: 'articles' }, 'wrong_token_type'],
    ['a refresh token carrying the audience', { typ: 'Refresh' }, 'wrong_token_type'],
    ['a token without payload typ', { typ: undefined }, 'wrong_token_type'],
    ["another client's access token", { azp: 'admin-cli' }, 'client_not_allowed'],
    ['a token without azp', { azp: undefined }, 'client_not_allowed'],
  ])('rejects %s', async (_case, claims, reason) => {
    const { status, body } = await get(`Bearer ${await idp.sign(claims)}`);
    expect({ status, body }).toEqual({ status: 401, body: { error: 'invalid_token', reason } });
  });

  it('accepts the clients named in authorizedParties, and only those', async () => {
    await api.close();
    api = await startApi({ authorizedParties: ['frontend', 'labs-cli'] });
    expect((await get(`Bearer ${await idp.sign({ azp: 'labs-cli' })}`)).status).toBe(200);
    expect((await get(`Bearer ${await idp.sign()}`)).status).toBe(200);
    expect((await get(`Bearer ${await idp.sign({ azp: 'admin-cli' })}`)).status).toBe(401);
  });
});

describe('an unusable key in the key set', () => {
  /** An RSA key published as the JWK `jwk` says, and a token signed with its private half. */
  function publishRsaKey(
    modulusLength: number,
    toJwk: (pair: ReturnType<typeof rsaPair>) => object,
  ) {
    const pair = rsaPair(modulusLength);
    const kid = randomUUID();
    idp.publishJwk({ ...toJwk(pair), kid, alg: 'RS256', use: 'sig' });
    return async () => rawRs256Token(pair.privateKey, { kid }, decodePayload(await idp.sign()));
  }
  const rsaPair = (modulusLength: number) => generateKeyPairSync('rsa', { modulusLength });

  it.each<[string, () => Promise<string>]>([
    [
      'a 1024-bit RSA key',
      () => publishRsaKey(1024, ({ publicKey }) => publicKey.export({ format: 'jwk' }))(),
    ],
    [
      'a key with its private members',
      () => publishRsaKey(2048, ({ privateKey }) => privateKey.export({ format: 'jwk' }))(),
    ],
    [
      'a modulus that is not base64url',
      () =>
        publishRsaKey(2048, ({ publicKey }) => ({
          ...publicKey.export({ format: 'jwk' }),
          n: '*',
        }))(),
    ],
  ])('answers 401 unknown_key to a token naming %s, and others still pass', async (_case, make) => {
    const token = await make();
    const { status, body } = await get(`Bearer ${token}`);
    expect({ status, body }).toEqual({
      status: 401,
      body: { error: 'invalid_token', reason: 'unknown_key' },
    });
    expect((await get(`Bearer ${await idp.sign()}`)).status).toBe(200);
  });
});

describe('roles', () => {
  it('answers 403 insufficient_scope to a valid token without the role user', async () => {
    const { status, challenge, body } = await get(
      `Bearer ${await idp.sign({ realm_access: { roles: ['admin'] } })}`,
    );
    expect({ status, body }).toEqual({
      status: 403,
      body: { error: 'insufficient_scope', reason: 'missing_role' },
    });
    expect(challenge).toBe(
      'Bearer realm="articles", error="insufficient_scope", error_description="realm role \\"user\\" required"',
    );
  });

  it('answers 403 when realm_access is missing or malformed', async () => {
    expect((await get(`Bearer ${await idp.sign({ realm_access: undefined })}`)).status).toBe(403);
    expect(
      (await get(`Bearer ${await idp.sign({ realm_access: { roles: 'user' } })}`)).status,
    ).toBe(403);
  });

  it('checks the role on every request, also when the token was verified before', async () => {
    const guest = `Bearer ${await idp.sign({ realm_access: { roles: [] } })}`;
    for (let i = 0; i < 3; i++) expect((await get(guest)).status).toBe(403);
  });

  it('does not take client roles for realm roles', async () => {
    const token = await idp.sign({
      realm_access: { roles: [] },
      resource_access: { articles: { roles: ['user'] } },
    });
    expect((await get(`Bearer ${token}`)).status).toBe(403);
  });
});

describe('the key set', () => {
  it('is fetched once for many requests', async () => {
    const before = idp.jwksRequests;
    const token = await idp.sign();
    for (let i = 0; i < 20; i++) expect((await get(`Bearer ${token}`)).status).toBe(200);
    expect(idp.jwksRequests - before).toBe(1);
  });

  it('is not refetched for unknown key ids within the 30 s cooldown', async () => {
    await get(`Bearer ${await idp.sign()}`);
    const before = idp.jwksRequests;
    const stranger = await createSigningKey();
    for (let i = 0; i < 10; i++) {
      expect((await get(`Bearer ${await idp.sign({}, { key: stranger })}`)).status).toBe(401);
    }
    expect(idp.jwksRequests).toBe(before);
  });

  it('is refetched once for a rotated key after the cooldown, without a restart', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      await get(`Bearer ${await idp.sign()}`);
      const before = idp.jwksRequests;
      vi.setSystemTime(Date.now() + 31_000);
      const rotated = await idp.rotateKey();
      const stranger = await createSigningKey();
      expect((await get(`Bearer ${await idp.sign({}, { key: rotated })}`)).status).toBe(200);
      for (let i = 0; i < 10; i++) {
        expect((await get(`Bearer ${await idp.sign({}, { key: stranger })}`)).status).toBe(401);
      }
      expect(idp.jwksRequests - before).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('unreachable before the first fetch gives 503 jwks_unavailable, not 401', async () => {
    idp.setAvailable(false);
    try {
      const response = await fetch(`${api.url}/articles`, {
        headers: { authorization: `Bearer ${await idp.sign()}` },
      });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('5');
      expect(await response.json()).toEqual({
        error: 'jwks_unavailable',
        reason: 'jwks_unavailable',
      });
    } finally {
      idp.setAvailable(true);
    }
  });

  it('gives up on a key set that never arrives after jwksTimeoutMs, with 503', async () => {
    const silent = await listen(() => undefined); // accepts, never answers
    try {
      const verifier = createTokenVerifier({
        issuer: idp.issuer,
        jwksUri: `${silent.url}/certs`,
        audience: 'articles',
        jwksTimeoutMs: 200,
      });
      const started = performance.now();
      await expect(verifier.verify(await idp.sign())).rejects.toMatchObject({
        reason: 'jwks_unavailable',
      });
      expect(performance.now() - started).toBeLessThan(2_000);
    } finally {
      await silent.close();
    }
  });

  it('refuses a key set larger than 1 MiB', async () => {
    const huge = await listen((_req, res) =>
      res.end(`{"keys":[],"padding":"${'x'.repeat(1_100_000)}"}`),
    );
    try {
      const verifier = createTokenVerifier({
        issuer: idp.issuer,
        jwksUri: `${huge.url}/certs`,
        audience: 'articles',
      });
      await expect(verifier.verify(await idp.sign())).rejects.toMatchObject({
        reason: 'jwks_unavailable',
      });
    } finally {
      await huge.close();
    }
  });

  it('keeps verifying with the last keys when a due refresh fails', async () => {
    await api.close();
    api = await startApi({ jwksCacheMaxAgeMs: 1 });
    expect((await get(`Bearer ${await idp.sign()}`)).status).toBe(200);
    idp.setAvailable(false);
    try {
      const before = idp.jwksRequests;
      expect((await get(`Bearer ${await idp.sign()}`)).status).toBe(200);
      expect(idp.jwksRequests).toBeGreaterThan(before); // it did try to refresh
    } finally {
      idp.setAvailable(true);
    }
  });

  it('waits for a hanging IdP once, then answers from the last keys and retries in the background', async () => {
    let hanging = false;
    let served = 0;
    // Passes the issuer's keys through until told to hang: accepts connections, never answers.
    const keyServer = await listen((_req, res) => {
      if (hanging) return;
      served++;
      void fetch(idp.jwksUri)
        .then((keys) => keys.text())
        .then((keys) => res.writeHead(200, { 'content-type': 'application/json' }).end(keys));
    });
    try {
      const verifier = createTokenVerifier({
        issuer: idp.issuer,
        jwksUri: `${keyServer.url}/certs`,
        audience: 'articles',
        jwksTimeoutMs: 500,
        jwksCacheMaxAgeMs: 1,
        jwksCooldownMs: 200,
      });
      await verifier.verify(await idp.sign());
      hanging = true;
      await verifier.verify(await idp.sign()); // the refresh falls due: waits 500 ms, then falls back
      const tokens = await Promise.all(Array.from({ length: 5 }, () => idp.sign()));
      const started = performance.now();
      for (const token of tokens) await verifier.verify(token); // new tokens: the cache cannot help
      expect(performance.now() - started).toBeLessThan(500); // none of them waited for the IdP

      hanging = false;
      const rotated = await idp.rotateKey();
      const deadline = Date.now() + 5_000;
      let accepted = false;
      while (!accepted && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        accepted = await verifier.verify(await idp.sign({}, { key: rotated })).then(
          () => true,
          () => false,
        );
      }
      expect(accepted).toBe(true); // the IdP is back: its new key is used without a restart
      expect(served).toBeLessThan(10); // retried once per cooldown, not once per request
    } finally {
      await keyServer.close();
    }
  });
});

describe('options are checked at boot', () => {
  const base = {
    issuer: 'https://idp.example/realms/q',
    jwksUri: 'https://idp.example/certs',
    audience: 'articles',
  };

  it.each<[string, Partial<TokenVerifierOptions>, RegExp]>([
    ['a relative issuer', { issuer: '/realms/q' }, /issuer must be an absolute URL/],
    ['a non-http JWKS URI', { jwksUri: 'file:///etc/keys' }, /jwksUri must be an http\(s\) URL/],
    ['an empty audience', { audience: [] }, /audience must be/],
    ['a huge clock tolerance', { clockToleranceSeconds: 3600 }, /clockToleranceSeconds/],
  ])('rejects %s', (_case, override, message) => {
    expect(() => createTokenVerifier({ ...base, ...override })).toThrow(message);
  });

  it('rejects an empty role name and a realm that would break the challenge', () => {
    const verifier = createTokenVerifier(base);
    expect(() => bearerAuth({ verifier, realm: 'a"b' })).toThrow(TypeError);
    expect(() => bearerAuth({ verifier, realm: 'articles' }).requireRole('')).toThrow(TypeError);
  });
});
