import type { ServerResponse } from 'node:http';
import { listen, type Listening } from '@cns/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { createTokenExchange } from '../src/token-exchange.ts';

// How web-api answers when the IdP's token endpoint misbehaves. The success paths, on dev-idp and
// Keycloak, are in tests/reliability/exchange-chain.test.ts.
let idp: Listening | undefined;
afterEach(() => idp?.close());

async function failingIdp(answer: (res: ServerResponse) => void) {
  idp = await listen((req, res) => {
    req.resume();
    req.on('end', () => answer(res));
  });
  return createTokenExchange({
    tokenEndpoint: `${idp.url}/token`,
    clientId: 'web-api',
    clientSecret: 'secret-of-web-api',
    audience: 'articles',
    timeoutMs: 200,
  });
}
const subject = { token: 'caller-token', expiresAt: Math.floor(Date.now() / 1000) + 60 };
const failure = (promise: Promise<unknown>) => promise.catch((error: unknown) => error);

describe('the token exchange when the IdP fails', () => {
  it.each([
    [500, 'token_exchange_unavailable'],
    [503, 'token_exchange_unavailable'],
    [400, 'token_exchange_refused'],
    [401, 'token_exchange_unauthorized'],
  ])('maps %i to 502 %s, without the IdP body', async (status, code) => {
    const exchange = await failingIdp((res) =>
      res
        .writeHead(status, { 'content-type': 'application/json' })
        .end(
          JSON.stringify({ error: 'server_error', error_description: 'stack trace at Keycloak' }),
        ),
    );
    const error = (await failure(exchange.tokenFor(subject))) as Error & Record<string, unknown>;
    expect(error).toMatchObject({ status: 502, code });
    expect(error.message).not.toContain('stack trace');
  });

  it('maps a 200 without a token to 502 token_exchange_invalid_response', async () => {
    const exchange = await failingIdp((res) => res.writeHead(200).end('<html>proxy login</html>'));
    expect(await failure(exchange.tokenFor(subject))).toMatchObject({
      status: 502,
      code: 'token_exchange_invalid_response',
    });
  });

  it('stops reading an answer over 64 KiB and maps it to 502 token_exchange_invalid_response', async () => {
    const exchange = await failingIdp((res) => res.writeHead(200).end('x'.repeat(1_000_000)));
    expect(await failure(exchange.tokenFor(subject))).toMatchObject({
      status: 502,
      code: 'token_exchange_invalid_response',
    });
  });

  it('gives up after its deadline with 504 token_exchange_timeout', async () => {
    const exchange = await failingIdp(() => undefined);
    expect(await failure(exchange.tokenFor(subject))).toMatchObject({
      status: 504,
      code: 'token_exchange_timeout',
    });
  });

  it('does not remember a failure: the next call asks again', async () => {
    let calls = 0;
    const exchange = await failingIdp((res) => {
      calls += 1;
      res.writeHead(500).end();
    });
    await failure(exchange.tokenFor(subject));
    await failure(exchange.tokenFor(subject));
    expect(calls).toBe(2);
  });
});

describe('RELAY_MODE', () => {
  const base = {
    OIDC_ISSUER: 'http://localhost:8080/auth/realms/quarkus',
    OIDC_JWKS_URI: 'http://localhost:8080/auth/realms/quarkus/protocol/openid-connect/certs',
    ARTICLES_URL: 'http://127.0.0.1:8082',
  };

  it('forwards by default and needs no client secret then', () => {
    expect(loadConfig(base).RELAY_MODE).toBe('forward');
  });

  it('names both missing settings of exchange mode', () => {
    expect(() => loadConfig({ ...base, RELAY_MODE: 'exchange' })).toThrow(
      /OIDC_TOKEN_ENDPOINT: required when RELAY_MODE=exchange\n {2}WEB_API_CLIENT_SECRET: required when RELAY_MODE=exchange/,
    );
  });

  it('refuses an unknown mode', () => {
    expect(() => loadConfig({ ...base, RELAY_MODE: 'propagate' })).toThrow(/RELAY_MODE/);
  });
});
