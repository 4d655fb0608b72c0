import { listen, type Listening } from '@cns/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { boundedRequest } from '../src/index.ts';

let server: Listening | undefined;
afterEach(() => server?.close());

describe('boundedRequest', () => {
  it('sends a POST with its body and length', async () => {
    server = await listen((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () =>
        response.end(
          `${request.method} ${request.headers['content-length']} ${Buffer.concat(chunks).toString()}`,
        ),
      );
    });
    const answer = await boundedRequest(new URL(server.url), {
      method: 'POST',
      body: 'grant_type=ü',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      maxBytes: 1000,
    });
    expect(answer.body.toString()).toBe('POST 13 grant_type=ü');
  });

  it('answers with the status, the headers and the body', async () => {
    server = await listen((request, response) => {
      response.setHeader('x-seen', request.headers['x-sent'] ?? '');
      response.writeHead(201).end('héllo');
    });
    const answer = await boundedRequest(new URL(`${server.url}/path?q=1`), {
      maxBytes: 100,
      headers: { 'x-sent': 'yes' },
    });
    expect(answer.status).toBe(201);
    expect(answer.body.toString('utf8')).toBe('héllo');
    expect(answer.headers['x-seen']).toBe('yes');
  });

  it('accepts a body of exactly maxBytes and refuses one byte more', async () => {
    server = await listen((_request, response) => response.end('x'.repeat(10)));
    const url = new URL(server.url);
    expect((await boundedRequest(url, { maxBytes: 10 })).body).toHaveLength(10);
    await expect(boundedRequest(url, { maxBytes: 9 })).rejects.toBeInstanceOf(RangeError);
  });

  it('refuses an endless body without holding more than maxBytes', async () => {
    server = await listen((_request, response) => {
      const chunk = 'x'.repeat(65_536);
      const more = () => {
        while (response.write(chunk));
        response.once('drain', more);
      };
      more();
    });
    await expect(boundedRequest(new URL(server.url), { maxBytes: 1_048_576 })).rejects.toThrow(
      'answer larger than 1048576 bytes',
    );
  });

  it('fails when the server closes the connection mid-answer', async () => {
    server = await listen((request, response) => {
      response.writeHead(200, { 'content-length': '100' });
      response.write('partial', () => request.socket.destroy());
    });
    await expect(boundedRequest(new URL(server.url), { maxBytes: 1000 })).rejects.toThrow();
  });

  it('fails with a TimeoutError past timeoutMs', async () => {
    server = await listen(() => undefined); // never answers
    await expect(
      boundedRequest(new URL(server.url), { maxBytes: 1000, timeoutMs: 50 }),
    ).rejects.toMatchObject({
      name: 'TimeoutError',
    });
  });

  it('stops at the signal, with its reason', async () => {
    server = await listen(() => undefined); // never answers
    const signal = AbortSignal.timeout(50);
    await expect(boundedRequest(new URL(server.url), { maxBytes: 1000, signal })).rejects.toThrow();
    expect(signal.aborted).toBe(true);
  });
});
