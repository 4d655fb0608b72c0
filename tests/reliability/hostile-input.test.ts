import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import {
  createSigningKey,
  decodePayload,
  hmacToken,
  listen,
  rawRs256Token,
  startTestIssuer,
  unsignedToken,
  type Listening,
  type TestIssuer,
} from '@cns/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChain, type Chain } from './chain.ts';
import { rawRequest, type RawResponse } from './raw-http.ts';

let idp: TestIssuer;
let chain: Chain;
let attacker: Listening;
let attackerRequests = 0;
let valid: string;
/** Keys in the issuer's key set that no verifier may use, by `kid`. */
const unusableKeys: Record<'weak' | 'private', KeyObject> = {
  weak: generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey,
  private: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
};

beforeAll(async () => {
  idp = await startTestIssuer();
  const jwk = (kid: keyof typeof unusableKeys, key: KeyObject) => ({
    ...key.export({ format: 'jwk' }),
    kid,
    alg: 'RS256',
  });
  idp.publishJwk(jwk('weak', createPublicKey(unusableKeys.weak)));
  idp.publishJwk(jwk('private', unusableKeys.private));
  chain = await startChain(idp);
  attacker = await listen((_req, res) => {
    attackerRequests++;
    res.end('{"keys":[]}');
  });
  valid = await idp.sign();
});
afterAll(async () => {
  await chain.close();
  await attacker.close();
  await idp.close();
});

/** A request to send; `token` becomes `Authorization: Bearer <token>` unless `headers` is given. */
interface RawParts {
  method?: string;
  path?: string;
  headers?: string[];
  body?: string;
  token?: string;
}

interface Case {
  name: string;
  request: () => RawParts | Promise<RawParts>;
  status: number;
  error: string;
}

const claims = () => decodePayload(valid);
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** The same signature bytes: an RS256 signature's last base64url character has unused low bits. */
const respelled = (token: string) =>
  `${token.slice(0, -1)}${BASE64URL[BASE64URL.indexOf(token.at(-1) ?? 'A') ^ 1]}`;
const attackerKey = () => createSigningKey();

const cases: Case[] = [
  // The Authorization header itself
  {
    name: 'no Authorization header',
    request: () => ({ headers: [] }),
    status: 401,
    error: 'missing_token',
  },
  {
    name: 'Basic credentials',
    request: () => ({ headers: ['Authorization: Basic YWxpY2U6YWxpY2U='] }),
    status: 401,
    error: 'missing_token',
  },
  {
    name: 'an empty Bearer',
    request: () => ({ headers: ['Authorization: Bearer'] }),
    status: 400,
    error: 'invalid_request',
  },
  {
    name: 'a Bearer with two tokens',
    request: () => ({ headers: [`Authorization: Bearer ${valid} ${valid}`] }),
    status: 400,
    error: 'invalid_request',
  },
  {
    name: 'characters outside the token alphabet',
    request: () => ({ headers: ['Authorization: Bearer <script>alert(1)</script>'] }),
    status: 400,
    error: 'invalid_request',
  },
  {
    name: 'two Authorization headers',
    request: () => ({
      headers: [`Authorization: Bearer ${valid}`, `Authorization: Bearer ${valid}`],
    }),
    status: 400,
    error: 'invalid_request',
  },
  {
    name: 'a 9 KiB token',
    request: () => ({ headers: [`Authorization: Bearer ${'a'.repeat(9_000)}`] }),
    status: 400,
    error: 'invalid_request',
  },
  {
    name: 'a 20 KiB header block',
    request: () => ({ headers: [`Authorization: Bearer ${'a'.repeat(20_000)}`] }),
    status: 431,
    error: 'headers_too_large',
  },
  // Token structure and algorithm
  {
    name: 'not a JWT',
    request: () => ({ token: 'not-a-jwt' }),
    status: 401,
    error: 'invalid_token',
  },
  {
    name: 'three segments of garbage',
    request: () => ({ token: 'aaa.bbb.ccc' }),
    status: 401,
    error: 'invalid_token',
  },
  {
    name: 'alg none',
    request: () => ({ token: unsignedToken(claims()) }),
    status: 401,
    error: 'invalid_token',
  },
  {
    name: 'alg None with a signature',
    request: () => ({ token: `${unsignedToken(claims(), { alg: 'None' })}c2ln` }),
    status: 401,
    error: 'invalid_token',
  },
  {
    name: 'HS256 keyed with the PEM public key',
    request: () => ({
      token: hmacToken(idp.currentKey.publicPem, claims(), { kid: idp.currentKey.kid }),
    }),
    status: 401,
    error: 'invalid_token',
  },
  {
    name: 'HS256 keyed with the JWK',
    request: () => ({ token: hmacToken(JSON.stringify(idp.currentKey.publicJwk), claims()) }),
    status: 401,
    error: 'invalid_token',
  },
  {
    name: 'the token padded with ==',
    request: () => ({ token: `${valid}==` }),
    status: 401,
    error: 'invalid_token',
  },
  {
    name: 'the token with its signature re-spelled in the unused low bits',
    request: () => ({ token: respelled(valid) }),
    status: 401,
    error: 'invalid_token',
  },
  // Header parameters that try to choose the key
  {
    name: 'jku pointing at an attacker key set',
    request: async () => {
      const key = await attackerKey();
      return { token: await idp.sign({}, { key, header: { jku: `${attacker.url}/jwks` } }) };
    },
    status: 401,
    error: 'invalid_token',
  },
  {
    name: 'x5u pointing at an attacker certificate',
    request: async () => ({
      token: await idp.sign(
        {},
        { key: await attackerKey(), header: { x5u: `${attacker.url}/cert.pem` } },
      ),
    }),
    status: 401,
    error: 'invalid_token',
  },
  {
    name: 'an embedded jwk of the attacker',
    request: async () => {
      const key = await attackerKey();
      return { token: await idp.sign({}, { key, header: { jwk: key.publicJwk } }) };
    },
    status: 401,
    error: 'invalid_token',
  },
  {
    name: 'the issuer kid with an embedded attacker jwk',
    request: async () => {
      const key = await attackerKey();
      return {
        token: await idp.sign(
          {},
          { key: { ...key, kid: idp.currentKey.kid }, header: { jwk: key.publicJwk } },
        ),
      };
    },
    status: 401,
    error: 'invalid_token',
  },
  {
    name: 'a path-traversal kid',
    request: async () => ({
      token: await idp.sign({}, { header: { kid: '../../../../dev/null' } }),
    }),
    status: 401,
    error: 'invalid_token',
  },
  {
    name: 'an injection kid',
    request: async () => ({ token: await idp.sign({}, { header: { kid: "' OR '1'='1" } }) }),
    status: 401,
    error: 'invalid_token',
  },
  {
    name: 'an unknown crit header',
    request: () => ({
      token: rawRs256Token(
        idp.currentKey.privateKey,
        { kid: idp.currentKey.kid, crit: ['x'], x: 1 },
        claims(),
      ),
    }),
    status: 401,
    error: 'invalid_token',
  },
  {
    name: 'header typ at+jwt',
    request: async () => ({ token: await idp.sign({}, { header: { typ: 'at+jwt' } }) }),
    status: 401,
    error: 'invalid_token',
  },
  {
    name: 'a nested JWT as payload',
    request: async () => ({
      token: rawRs256Token(
        idp.currentKey.privateKey,
        { kid: idp.currentKey.kid, cty: 'JWT' },
        await idp.sign(),
      ),
    }),
    status: 401,
    error: 'invalid_token',
  },
  {
    name: 'a kid naming a 1024-bit RSA key of the key set',
    request: () => ({ token: rawRs256Token(unusableKeys.weak, { kid: 'weak' }, claims()) }),
    status: 401,
    error: 'invalid_token',
  },
  {
    name: 'a kid naming a key set member with private members',
    request: () => ({ token: rawRs256Token(unusableKeys.private, { kid: 'private' }, claims()) }),
    status: 401,
    error: 'invalid_token',
  },
  // Claims
  {
    name: 'an ID token that carries the audience',
    request: async () => ({ token: await idp.sign({ typ: 'ID' }) }),
    status: 401,
    error: 'invalid_token',
  },
  {
    name: 'a refresh token that carries the audience',
    request: async () => ({ token: await idp.sign({ typ: 'Refresh' }) }),
    status: 401,
    error: 'invalid_token',
  },
  {
    name: "another client's access token",
    request: async () => ({ token: await idp.sign({ azp: 'admin-cli' }) }),
    status: 401,
    error: 'invalid_token',
  },
  {
    name: 'an expired token',
    request: async () => ({ token: await idp.sign({}, { expiresInSeconds: -120 }) }),
    status: 401,
    error: 'invalid_token',
  },
  {
    name: 'a token from another issuer',
    request: async () => ({
      token: await idp.sign({ iss: 'https://evil.example/realms/quarkus' }),
    }),
    status: 401,
    error: 'invalid_token',
  },
  {
    name: 'a token for the account audience only',
    request: async () => ({ token: await idp.sign({ aud: 'account' }) }),
    status: 401,
    error: 'invalid_token',
  },
  {
    name: 'exp as a string',
    request: async () => ({ token: await idp.sign({ exp: '9999999999' }) }),
    status: 401,
    error: 'invalid_token',
  },
  {
    name: 'huge claims (over 8 KiB)',
    request: async () => ({ token: await idp.sign({ padding: 'x'.repeat(8_000) }) }),
    status: 400,
    error: 'invalid_request',
  },
  {
    name: 'a token without the role user',
    request: async () => ({ token: await idp.sign({ realm_access: { roles: ['admin'] } }) }),
    status: 403,
    error: 'insufficient_scope',
  },
  {
    name: 'roles as an object',
    request: async () => ({ token: await idp.sign({ realm_access: { roles: { user: true } } }) }),
    status: 403,
    error: 'insufficient_scope',
  },
  // Routes, methods, parameters, bodies
  {
    name: 'an unknown route',
    request: () => ({ path: '/admin', token: valid }),
    status: 404,
    error: 'not_found',
  },
  {
    name: 'the route in upper case',
    request: () => ({ path: '/ARTICLES', token: valid }),
    status: 404,
    error: 'not_found',
  },
  {
    name: 'the route with a trailing slash',
    request: () => ({ path: '/articles/', token: valid }),
    status: 404,
    error: 'not_found',
  },
  {
    name: 'the readiness route in another case',
    request: () => ({ path: '/Health/Ready' }),
    status: 404,
    error: 'not_found',
  },
  {
    name: 'the metrics route on the API port',
    request: () => ({ path: '/metrics' }),
    status: 404,
    error: 'not_found',
  },
  {
    name: 'the metrics route in upper case',
    request: () => ({ path: '/METRICS' }),
    status: 404,
    error: 'not_found',
  },
  {
    name: 'path traversal',
    request: () => ({ path: '/../../etc/passwd', token: valid }),
    status: 404,
    error: 'not_found',
  },
  {
    name: 'encoded traversal',
    request: () => ({ path: '/articles/..%2F..%2Fetc%2Fpasswd', token: valid }),
    status: 404,
    error: 'not_found',
  },
  {
    name: 'a malformed percent-encoding',
    request: () => ({ path: '/articles%E0%A4%A', token: valid }),
    status: 404,
    error: 'not_found',
  },
  {
    name: 'amount=-1',
    request: () => ({ path: '/articles?amount=-1', token: valid }),
    status: 400,
    error: 'invalid_parameter',
  },
  {
    name: 'amount=1e3',
    request: () => ({ path: '/articles?amount=1e3', token: valid }),
    status: 400,
    error: 'invalid_parameter',
  },
  {
    name: 'amount=0x10',
    request: () => ({ path: '/articles?amount=0x10', token: valid }),
    status: 400,
    error: 'invalid_parameter',
  },
  {
    name: 'amount given twice',
    request: () => ({ path: '/articles?amount=1&amount=2', token: valid }),
    status: 400,
    error: 'invalid_parameter',
  },
  {
    name: 'POST with a non-JSON body',
    request: () => ({ method: 'POST', token: valid, body: 'not json {' }),
    status: 405,
    error: 'method_not_allowed',
  },
  {
    name: 'DELETE',
    request: () => ({ method: 'DELETE', token: valid }),
    status: 405,
    error: 'method_not_allowed',
  },
  {
    name: 'a 4 KiB body',
    request: () => ({ method: 'POST', token: valid, body: 'x'.repeat(4_096) }),
    status: 413,
    error: 'payload_too_large',
  },
];

function toRaw({
  method = 'GET',
  path = '/articles',
  headers,
  body,
  token,
}: Awaited<ReturnType<Case['request']>>) {
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: localhost', 'Connection: close'];
  lines.push(...(headers ?? (token === undefined ? [] : [`Authorization: Bearer ${token}`])));
  if (body !== undefined)
    lines.push('Content-Type: text/plain', `Content-Length: ${Buffer.byteLength(body)}`);
  return `${lines.join('\r\n')}\r\n\r\n${body ?? ''}`;
}

function expectSafe(response: RawResponse, sent: string) {
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const { error, error_description } = JSON.parse(response.body) as {
    error: unknown;
    error_description: unknown;
  };
  expect(typeof error).toBe('string');
  expect(typeof error_description).toBe('string');
  expect(response.body).not.toMatch(/\bat .+:\d+:\d+|node_modules|\.ts\b/); // no stack trace
  const tokens = sent.match(/[\w-]{20,}\.[\w-]{20,}\.[\w-]*/g) ?? [];
  for (const token of tokens) expect(JSON.stringify(response)).not.toContain(token);
}

describe('hostile requests to web-api each get the right 4xx with a JSON error', () => {
  it('sends as many hostile requests as docs/reliability.md says it does', async () => {
    const doc = await readFile(new URL('../../docs/reliability.md', import.meta.url), 'utf8');
    expect(doc).toContain(`| ${cases.length} hostile requests (`);
  });

  it.each(cases)('$name → $status $error', async ({ request, status, error }) => {
    const raw = toRaw(await request());
    const response = await rawRequest(chain.webApi.url, raw);
    expect(response.status).toBe(status);
    expect(JSON.parse(response.body)).toMatchObject({ error });
    expectSafe(response, raw);
  });

  it('never fetched an attacker-supplied key location, and both services stay healthy and serving', async () => {
    expect(attackerRequests).toBe(0);
    for (const url of [chain.webApi.managementUrl, chain.articles.managementUrl]) {
      expect((await fetch(`${url}/health/ready`)).status).toBe(200);
    }
    expect((await chain.get(await idp.sign())).status).toBe(200);
  });
});
