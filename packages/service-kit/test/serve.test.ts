import { Agent, get } from 'node:http';
import { connect } from 'node:net';
import { Router } from 'express';
import { describe, expect, it } from 'vitest';
import {
  createLifecycle,
  createLogger,
  createManagementApp,
  createMetrics,
  createServiceApp,
  serve,
} from '../src/index.ts';
import { logSink } from './log-sink.ts';

const logger = createLogger({ service: 'test', level: 'silent' });

async function startService(shutdownDrainDelayMs = 0) {
  const lifecycle = createLifecycle();
  let release: () => void = () => undefined;
  let arrive: () => void = () => undefined;
  const arrived = new Promise<void>((resolve) => (arrive = resolve));
  const routes = Router().get('/slow', async (_req, res) => {
    arrive();
    await new Promise<void>((resolve) => (release = resolve));
    res.json({ done: true });
  });
  const app = createServiceApp({ service: 'test', logger, lifecycle, routes });
  const service = await serve(app, {
    port: 0,
    host: '127.0.0.1',
    logger,
    lifecycle,
    shutdownDrainDelayMs,
  });
  const management = await serve(
    createManagementApp({ logger, lifecycle, metrics: createMetrics('test') }),
    { port: 0, host: '127.0.0.1', logger, lifecycle, shutdownDrainDelayMs },
  );
  const shutdown = () => Promise.all([service.shutdown(), management.shutdown()]);
  return { service, management, shutdown, arrived, release: () => release() };
}

/** Sends raw bytes and returns the raw answer, for requests fetch refuses to make. */
function rawRequest(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(request));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

describe('serve', () => {
  it('answers oversized headers with 431 in the JSON error shape', async () => {
    const { service, shutdown } = await startService();
    try {
      const port = Number(new URL(service.url).port);
      const answer = await rawRequest(
        port,
        `GET /health/live HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${'a'.repeat(20_000)}\r\n\r\n`,
      );
      expect(answer).toMatch(/^HTTP\/1\.1 431 /);
      expect(answer).toContain('{"error":"headers_too_large"');
    } finally {
      await shutdown();
    }
  });

  it('answers a malformed request line with 400 in the JSON error shape', async () => {
    const { service, shutdown } = await startService();
    try {
      const answer = await rawRequest(Number(new URL(service.url).port), 'NOT HTTP\r\n\r\n');
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(answer).toContain('{"error":"bad_request"');
    } finally {
      await shutdown();
    }
  });

  it('logs and counts each request the parser refuses, in one line without its headers', async () => {
    const { lines, logger: sinkLogger } = logSink();
    const lifecycle = createLifecycle();
    const metrics = createMetrics('test');
    const app = createServiceApp({
      service: 'test',
      logger: sinkLogger,
      lifecycle,
      metrics,
      routes: Router(),
    });
    const options = { port: 0, host: '127.0.0.1', logger: sinkLogger, lifecycle, metrics };
    const service = await serve(app, options);
    const management = await serve(
      createManagementApp({ logger: sinkLogger, lifecycle, metrics }),
      options,
    );
    try {
      const port = Number(new URL(service.url).port);
      const secret = 'eyJhbGciOiJSUzI1NiJ9.c2VjcmV0.c2lnbmF0dXJl';
      await rawRequest(
        port,
        `GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${secret}${'a'.repeat(20_000)}\r\n\r\n`,
      );
      await rawRequest(port, `NOT HTTP\r\nAuthorization: Bearer ${secret}\r\n\r\n`);
      await rawRequest(port, 'GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n');
      const text = await (await fetch(`${management.url}/metrics`)).text();
      expect(text).toContain('http_requests_refused_total{status="431",service="test"} 1');
      expect(text).toContain('http_requests_refused_total{status="400",service="test"} 2');
      const refused = lines.filter((line) => line.msg === 'request refused');
      expect(refused.map((line) => line.status)).toEqual([431, 400, 400]);
      expect(refused[0]).toMatchObject({ level: 'info', code: 'HPE_HEADER_OVERFLOW' });
      expect(JSON.stringify(lines)).not.toContain(secret);
    } finally {
      await Promise.all([service.shutdown(), management.shutdown()]);
    }
  });

  it('fails readiness first, lets the in-flight request finish, then stops', async () => {
    const { service, management, shutdown, arrived, release } = await startService(200);
    const inFlight = fetch(`${service.url}/slow`);
    await arrived;
    const stopped = shutdown();
    expect((await fetch(`${management.url}/health/ready`)).status).toBe(503);
    const meanwhile = await fetch(`${service.url}/nope`);
    expect(meanwhile.headers.get('connection')).toBe('close');
    release();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ done: true });
    await stopped;
    await expect(fetch(`${service.url}/nope`)).rejects.toThrow();
    await expect(fetch(`${management.url}/health/live`)).rejects.toThrow();
  });

  it('closes a kept-alive connection once its in-flight answer is sent, not at the timeout', async () => {
    const { service, management, arrived, release } = await startService();
    await management.shutdown();
    const agent = new Agent({ keepAlive: true }); // keeps idle sockets open, like a proxy's pool
    try {
      const answered = new Promise<number | undefined>((resolve, reject) =>
        get(`${service.url}/slow`, { agent }, (response) => {
          response.resume().on('end', () => resolve(response.statusCode));
        }).on('error', reject),
      );
      await arrived;
      const started = performance.now();
      const stopped = service.shutdown();
      release();
      expect(await answered).toBe(200);
      await stopped;
      expect(performance.now() - started).toBeLessThan(2_000); // the timeout is 10 s
    } finally {
      agent.destroy();
    }
  });

  it('says which port is taken instead of a bare EADDRINUSE', async () => {
    const { service, shutdown } = await startService();
    try {
      const port = Number(new URL(service.url).port);
      const lifecycle = createLifecycle();
      await expect(
        serve(createServiceApp({ service: 't', logger, lifecycle, routes: Router() }), {
          port,
          host: '127.0.0.1',
          logger,
          lifecycle,
        }),
      ).rejects.toThrow(`port ${port} on 127.0.0.1 is already in use`);
    } finally {
      await shutdown();
    }
  });
});
