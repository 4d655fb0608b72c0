import { createServer, STATUS_CODES, type RequestListener, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type { Lifecycle } from './lifecycle.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';

export interface ServeOptions {
  port: number;
  host: string;
  logger: Logger;
  lifecycle: Lifecycle;
  /** Time between failing readiness and closing the listener. Default 0. */
  shutdownDrainDelayMs?: number;
  /** In-flight requests get this long to finish before their connections are cut. Default 10 s. */
  shutdownTimeoutMs?: number;
  /** Counts the requests Node's parser refuses; they never reach the app's own metrics. */
  metrics?: Pick<Metrics, 'refused'>;
  /** Runs after the listener closed, e.g. to close outgoing connection pools. */
  onClose?: () => Promise<void> | void;
}

export interface RunningService {
  server: Server;
  /** Base URL, e.g. `http://127.0.0.1:8082`. */
  url: string;
  /** Drains and closes; resolves when the last connection is gone. Safe to call twice. */
  shutdown(): Promise<void>;
}

/**
 * Listens, and knows how to stop gracefully: fail readiness, wait for the drain delay, stop
 * accepting, let in-flight requests finish (Node closes each connection once its answer is sent;
 * requests arriving while draining are told `Connection: close`), then cut what is left after the
 * timeout.
 *
 * @example
 * ```ts
 * const service = await serve(app, { port: 8082, host: '0.0.0.0', logger, lifecycle })
 * process.once('SIGTERM', () => void service.shutdown())
 * ```
 */
export async function serve(app: RequestListener, options: ServeOptions): Promise<RunningService> {
  const { logger, lifecycle, shutdownDrainDelayMs = 0, shutdownTimeoutMs = 10_000 } = options;
  const server = createServer(app);
  // Outlive the keep-alive of proxies in front so they close idle connections first: the
  // DestinationRules in istio/ give Envoy 60 s, and cloud load balancers commonly use 60 s.
  server.keepAliveTimeout = 65_000;
  // A slow client gets 10 s to send its headers and 30 s for the whole request.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    const status = answerClientError(error, socket);
    if (status === undefined) return;
    options.metrics?.refused(status);
    // One line, without headers or body: what was sent may be a token.
    logger.info(
      { status, code: error.code, remoteAddress: socket.remoteAddress },
      'request refused',
    );
  });

  await listen(server, options.port, options.host);
  const { address, port } = server.address() as AddressInfo;
  const url = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  logger.info({ url }, 'listening');

  let closing: Promise<void> | undefined;
  const shutdown = () => {
    closing ??= (async () => {
      logger.info({ shutdownDrainDelayMs }, 'shutting down');
      lifecycle.drain();
      await delay(shutdownDrainDelayMs);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const deadline = setTimeout(() => {
        logger.warn('shutdown timeout: closing remaining connections');
        server.closeAllConnections();
      }, shutdownTimeoutMs);
      await closed;
      clearTimeout(deadline);
      await options.onClose?.();
      logger.info('stopped');
    })();
    return closing;
  };
  return { server, url, shutdown };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const inUse = error.code === 'EADDRINUSE';
      reject(
        inUse ? new Error(`port ${port} on ${host} is already in use`, { cause: error }) : error,
      );
    });
    server.listen(port, host, () => resolve());
  });
}

// Malformed requests never reach Express; answer them in the same JSON shape instead of Node's
// bare status line. Returns the status sent, or nothing when the client had already gone.
function answerClientError(error: NodeJS.ErrnoException, socket: Socket): number | undefined {
  if (!socket.writable || error.code === 'ECONNRESET') {
    socket.destroy();
    return undefined;
  }
  const status =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? 431
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? 408
        : 400;
  const code =
    status === 431 ? 'headers_too_large' : status === 408 ? 'request_timeout' : 'bad_request';
  const body = JSON.stringify({ error: code, error_description: STATUS_CODES[status] });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  return status;
}
