import type { RequestListener } from 'node:http';
import { Writable } from 'node:stream';
import { createApp as createArticles } from '@cns/articles/app';
import { createTokenVerifier, type TokenVerifierOptions } from '@cns/auth';
import {
  createLifecycle,
  createLogger,
  createManagementApp,
  createMetrics,
  serve,
  type Lifecycle,
  type Logger,
  type Metrics,
} from '@cns/service-kit';
import { createApp as createWebApi } from '@cns/web-api/app';
import { createArticlesClient } from '@cns/web-api/articles-client';

interface Running {
  url: string;
  /** Health and metrics. */
  managementUrl: string;
  close(): Promise<void>;
}

/** Listens on two ports as the services' main does, with its handling of malformed requests. */
async function start(
  build: (metrics: Metrics) => RequestListener,
  name: string,
  logger: Logger,
  lifecycle: Lifecycle,
): Promise<Running> {
  const metrics = createMetrics(name);
  const options = {
    port: 0,
    host: '127.0.0.1',
    logger,
    lifecycle,
    metrics,
    shutdownTimeoutMs: 1_000,
  };
  const api = await serve(build(metrics), options);
  const management = await serve(createManagementApp({ logger, lifecycle, metrics }), options);
  return {
    url: api.url,
    managementUrl: management.url,
    async close() {
      await Promise.all([api.shutdown(), management.shutdown()]);
    },
  };
}

export interface Chain {
  webApi: Running;
  articles: Running;
  lifecycles: { webApi: Lifecycle; articles: Lifecycle };
  /** What articles logged, one object per line. */
  articlesLogs: Record<string, unknown>[];
  /** `GET /articles` at web-api with the given bearer token. */
  get(token: string, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

/**
 * web-api in front of articles, in this process, both verifying tokens of `idp`: a test issuer, the
 * development IdP or Keycloak.
 */
export async function startChain(
  idp: { issuer: string; jwksUri: string },
  verifierOptions: Partial<TokenVerifierOptions> = {},
): Promise<Chain> {
  const verifier = (audience: string) =>
    createTokenVerifier({ issuer: idp.issuer, jwksUri: idp.jwksUri, audience, ...verifierOptions });
  const articlesLogs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        articlesLogs.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  const lifecycles = { webApi: createLifecycle(), articles: createLifecycle() };
  const noLimit = { perSecond: 0, burst: 1 };
  const articlesLogger = createLogger({ service: 'articles', level: 'debug', destination: sink });
  const webApiLogger = createLogger({ service: 'web-api', level: 'silent' });
  const articles = await start(
    (metrics) =>
      createArticles({
        verifier: verifier('articles'),
        logger: articlesLogger,
        lifecycle: lifecycles.articles,
        rateLimit: noLimit,
        metrics,
      }),
    'articles',
    articlesLogger,
    lifecycles.articles,
  );
  const client = createArticlesClient({ baseUrl: articles.url, timeoutMs: 2_000 });
  const webApi = await start(
    (metrics) =>
      createWebApi({
        verifier: verifier('web-api'),
        articles: client,
        logger: webApiLogger,
        lifecycle: lifecycles.webApi,
        rateLimit: noLimit,
        metrics,
      }),
    'web-api',
    webApiLogger,
    lifecycles.webApi,
  );
  return {
    webApi,
    articles,
    lifecycles,
    articlesLogs,
    get: (token, headers = {}) =>
      fetch(`${webApi.url}/articles`, {
        headers: { authorization: `Bearer ${token}`, ...headers },
      }),
    async close() {
      await webApi.close();
      await client.close();
      await articles.close();
    },
  };
}
