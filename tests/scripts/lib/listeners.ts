import { createServer as createHttpServer, request, type RequestListener } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import {
  createServer as createNetServer,
  type AddressInfo,
  type Server,
  type Socket,
} from 'node:net';

export interface Listener {
  port: number;
  /** `http://127.0.0.1:<port>` */
  url: string;
  close(): Promise<void>;
}

async function listen(server: Server, sockets: Set<Socket>): Promise<Listener> {
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Behaves like an Istio sidecar under STRICT mutual TLS towards a plaintext client: it accepts the
 * TCP connection, and resets it (RST) as soon as the client's first bytes arrive.
 */
export function startResetListener(): Promise<Listener> {
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    socket.once('data', () => socket.resetAndDestroy());
  });
  return listen(server, sockets);
}

/** Accepts the connection and closes it (FIN) without answering, at the first bytes. */
export function startSilentCloseListener(): Promise<Listener> {
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    socket.once('data', () => socket.end());
  });
  return listen(server, sockets);
}

/** Answers every request with the listener's own handler. */
export function startHttpListener(handler: RequestListener): Promise<Listener> {
  return listen(createHttpServer(handler), new Set());
}

export interface IngressOptions {
  key: string;
  cert: string;
  /** Longest matching prefix wins; each target is an `http://host:port` origin. */
  routes: Record<string, string>;
}

/**
 * A stand-in for the Istio ingress gateway: HTTPS with the given certificate, routing by path
 * prefix to plain-HTTP upstreams, as istio/01-ingress.yaml does.
 */
export function startHttpsIngress({ key, cert, routes }: IngressOptions): Promise<Listener> {
  const prefixes = Object.keys(routes).sort((a, b) => b.length - a.length);
  const server = createHttpsServer({ key, cert }, (req, res) => {
    const prefix = prefixes.find((candidate) => (req.url ?? '/').startsWith(candidate));
    if (prefix === undefined) {
      res.writeHead(404).end('no route');
      return;
    }
    const target = new URL(req.url ?? '/', routes[prefix]);
    const upstream = request(
      target,
      { method: req.method, headers: { ...req.headers, host: target.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(503).end('no healthy upstream'));
    req.pipe(upstream);
  });
  return listen(server, new Set());
}
