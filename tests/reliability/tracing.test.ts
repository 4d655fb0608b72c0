import { startTestIssuer, type TestIssuer } from '@cns/test-support';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startChain, type Chain } from './chain.ts';
import { rawRequest } from './raw-http.ts';

let idp: TestIssuer;
let chain: Chain;
beforeAll(async () => {
  idp = await startTestIssuer();
  chain = await startChain(idp);
});
afterAll(async () => {
  await chain.close();
  await idp.close();
});

const lastArticlesRequest = () =>
  chain.articlesLogs.filter((entry) => entry.msg === 'request').at(-1);

it('passes the request id and the W3C trace id from web-api to articles', async () => {
  const response = await chain.get(await idp.sign(), {
    'x-request-id': '6f1c3f6e-3e51-4a8e-9d0e-2b0e1f3c5a77',
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('x-request-id')).toBe('6f1c3f6e-3e51-4a8e-9d0e-2b0e1f3c5a77');
  expect(lastArticlesRequest()).toMatchObject({
    requestId: '6f1c3f6e-3e51-4a8e-9d0e-2b0e1f3c5a77',
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    path: '/articles',
    status: 200,
  });
});

it('passes the B3 trace id Istio generates', async () => {
  await chain.get(await idp.sign(), {
    'x-b3-traceid': '80f198ee56343ba864fe8b2a57d3eff7',
    'x-b3-spanid': 'e457b5a2e4d86bd1',
    'x-b3-sampled': '1',
  });
  expect(lastArticlesRequest()).toMatchObject({ traceId: '80f198ee56343ba864fe8b2a57d3eff7' });
});

it('gives a request without an id one, and articles logs the same', async () => {
  const response = await chain.get(await idp.sign());
  const id = response.headers.get('x-request-id');
  expect(id).toMatch(/^[0-9a-f-]{36}$/);
  expect(lastArticlesRequest()).toMatchObject({ requestId: id });
});

it('answers 200 to a request whose tracestate fills its header block, not a 502', async () => {
  // Just under web-api's 16 KiB header limit: relayed as it is, with the headers web-api adds, it
  // would exceed articles' limit, and articles would answer 431.
  const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  const token = await idp.sign();
  const head = (tracestate: string) =>
    `GET /articles HTTP/1.1\r\nHost: ${new URL(chain.webApi.url).host}\r\n` +
    `Authorization: Bearer ${token}\r\ntraceparent: ${traceparent}\r\n` +
    `tracestate: ${tracestate}\r\nConnection: close\r\n\r\n`;
  const member = (i: number) => `v${i}=${'x'.repeat(40)}`;
  const members: string[] = [];
  while (head([...members, member(members.length)].join(',')).length < 16_384) {
    members.push(member(members.length));
  }
  const response = await rawRequest(chain.webApi.url, head(members.join(',')));
  expect(response.status).toBe(200);
  expect(lastArticlesRequest()).toMatchObject({
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    status: 200,
  });
});
