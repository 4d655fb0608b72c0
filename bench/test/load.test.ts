import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { load } from '../src/load.ts';

let server: Server | undefined;
afterEach(() => {
  server?.closeAllConnections();
  server?.close();
});

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

it('counts every non-2xx answer as an error', async () => {
  const url = await listen((_request, response) => response.writeHead(503).end());
  const result = await load(url, 2, 1, 'Bearer not-checked');
  expect(result.requests).toBeGreaterThan(0);
  expect(result.errors).toBe(result.requests);
});
