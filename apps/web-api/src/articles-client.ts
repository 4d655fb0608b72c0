import { parseArticles, type Article } from '@cns/articles-contract';
import { HttpError } from '@cns/service-kit';
import { Pool } from 'undici';

export interface ArticlesClientOptions {
  /** e.g. `http://articles:8082` */
  baseUrl: string;
  /** Deadline for a whole call: connect, headers and body. */
  timeoutMs: number;
  /** Keep-alive connections kept open to articles. Default 64. */
  connections?: number;
}

export interface ListArticlesRequest {
  /** The caller's `Authorization` header, relayed unchanged (user-token propagation). */
  authorization: string;
  amount: number | undefined;
  /** Tracing headers to pass on so the mesh can join both hops into one trace. */
  traceHeaders: Record<string, string>;
}

export interface ArticlesClient {
  /** @throws HttpError 401/403 as articles answered, 502 when it fails, 504 past the deadline. */
  list(request: ListArticlesRequest): Promise<Article[]>;
  close(): Promise<void>;
}

/**
 * Calls the articles service over a pool of keep-alive connections: no TCP handshake per request,
 * and a hard deadline so a slow upstream can never hang a caller.
 */
export function createArticlesClient(options: ArticlesClientOptions): ArticlesClient {
  const base = new URL(options.baseUrl);
  const basePath = base.pathname.replace(/\/$/, '');
  const pool = new Pool(base.origin, {
    connections: options.connections ?? 64,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    connect: { timeout: options.timeoutMs },
  });

  return {
    async list({ authorization, amount, traceHeaders }) {
      const path = `${basePath}/articles${amount === undefined ? '' : `?amount=${amount}`}`;
      const signal = AbortSignal.timeout(options.timeoutMs);
      try {
        const response = await pool.request({
          method: 'GET',
          path,
          headers: { ...traceHeaders, accept: 'application/json', authorization },
          signal,
        });
        if (response.statusCode === 200) return parseArticles(await response.body.json());
        throw await rejection(response.statusCode, response.headers, response.body);
      } catch (error) {
        throw upstreamError(error, signal.aborted, options.timeoutMs);
      }
    },
    close: () => pool.close(),
  };
}

type Headers = Record<string, string | string[] | undefined>;
type Body = { json(): Promise<unknown>; dump(): Promise<void> };

/**
 * 401 and 403 mean articles judged the caller's token differently from us: say so as the same
 * status. Anything else is the upstream's failure, not the caller's.
 */
async function rejection(status: number, headers: Headers, body: Body): Promise<HttpError> {
  if (status !== 401 && status !== 403) {
    await body.dump();
    return new HttpError(502, 'upstream_error', `articles service answered ${status}`);
  }
  const upstream = (await body.json().catch(() => ({}))) as { error?: unknown };
  const challenge = headers['www-authenticate'];
  return new HttpError(
    status,
    typeof upstream.error === 'string' ? upstream.error : 'upstream_rejected',
    `articles service refused the token (${status})`,
    { headers: typeof challenge === 'string' ? { 'WWW-Authenticate': challenge } : {} },
  );
}

function upstreamError(error: unknown, timedOut: boolean, timeoutMs: number): HttpError {
  if (error instanceof HttpError) return error;
  const name = (error as Error | undefined)?.name ?? '';
  if (timedOut || /Timeout/.test(name)) {
    return new HttpError(
      504,
      'upstream_timeout',
      `articles service did not answer within ${timeoutMs} ms`,
      {
        cause: error,
      },
    );
  }
  if (error instanceof TypeError || error instanceof SyntaxError) {
    return new HttpError(
      502,
      'upstream_invalid_response',
      'articles service sent malformed articles',
      {
        cause: error,
      },
    );
  }
  return new HttpError(502, 'upstream_unavailable', 'articles service unreachable', {
    cause: error,
  });
}
