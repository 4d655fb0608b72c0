import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { parseArticles, type Article } from '@cns/articles-contract';
import { boundedRequest, type BoundedAnswer } from '@cns/bounded-request';
import { HttpError } from '@cns/service-kit';
import { memoizeLast } from './memoize-last.ts';

export interface ArticlesClientOptions {
  /** e.g. `http://articles:8082` */
  baseUrl: string;
  /** Deadline for a whole call: connect, headers and body. */
  timeoutMs: number;
  /** Most connections open to articles at once, kept alive between calls. Default 64. */
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
  /**
   * The list, frozen: calls that got the same answer from articles share it.
   *
   * @throws HttpError 401/403 as articles answered, 502 when it fails, 504 past the deadline.
   */
  list(request: ListArticlesRequest): Promise<readonly Article[]>;
  close(): Promise<void>;
}

/** A list of ten articles is about 1.5 KiB; a megabyte is not a list of articles. */
const MAX_RESPONSE_BYTES = 1_048_576;

/**
 * Calls the articles service over keep-alive connections (no TCP handshake per request) with a
 * hard deadline, so a slow upstream can never hang a caller, and a bound on the answer's size.
 */
export function createArticlesClient(options: ArticlesClientOptions): ArticlesClient {
  const base = new URL(options.baseUrl);
  const basePath = base.pathname.replace(/\/$/, '');
  const secure = base.protocol === 'https:';
  const agent = new (secure ? HttpsAgent : HttpAgent)({
    keepAlive: true,
    maxSockets: options.connections ?? 64,
    // Reuse the most recently used connection: the rest may idle out and close.
    scheduling: 'lifo',
  });
  // articles answers every caller with the same list: check each distinct answer once, and
  // compare answers as bytes, which is cheaper than decoding them.
  const parseList = memoizeLast(
    (body: Buffer): readonly Article[] =>
      Object.freeze(
        parseArticles(JSON.parse(body.toString('utf8'))).map((article) => Object.freeze(article)),
      ),
    (last, next) => last.equals(next),
  );

  return {
    async list({ authorization, amount, traceHeaders }) {
      const path = `${basePath}/articles${amount === undefined ? '' : `?amount=${amount}`}`;
      try {
        const headers = { ...traceHeaders, accept: 'application/json', authorization };
        const answer = await boundedRequest(new URL(path, base), {
          maxBytes: MAX_RESPONSE_BYTES,
          headers,
          timeoutMs: options.timeoutMs,
          agent,
        });
        if (answer.status === 200) return parseList(answer.body);
        throw rejection(answer);
      } catch (error) {
        throw upstreamError(error, options.timeoutMs);
      }
    },
    close() {
      agent.destroy();
      return Promise.resolve();
    },
  };
}

/**
 * 401 and 403 mean articles judged the caller's token differently from us: say so as the same
 * status. 429 means articles is busy, not that the caller sent too much: 503 with its Retry-After.
 * Anything else is the upstream's failure, not the caller's.
 */
function rejection({ status, headers, body }: BoundedAnswer): HttpError {
  if (status === 429) {
    const retryAfter = headers['retry-after'];
    return new HttpError(503, 'upstream_busy', 'articles service is busy; retry later', {
      headers: typeof retryAfter === 'string' ? { 'Retry-After': retryAfter } : {},
    });
  }
  if (status !== 401 && status !== 403) {
    return new HttpError(502, 'upstream_error', `articles service answered ${status}`);
  }
  const challenge = headers['www-authenticate'];
  return new HttpError(
    status,
    upstreamErrorCode(body),
    `articles service refused the token (${status})`,
    {
      headers: typeof challenge === 'string' ? { 'WWW-Authenticate': challenge } : {},
    },
  );
}

function upstreamErrorCode(body: Buffer): string {
  try {
    const { error } = JSON.parse(body.toString('utf8')) as { error?: unknown };
    return typeof error === 'string' ? error : 'upstream_rejected';
  } catch {
    return 'upstream_rejected';
  }
}

function upstreamError(error: unknown, timeoutMs: number): HttpError {
  if (error instanceof HttpError) return error;
  if ((error as Error | undefined)?.name === 'TimeoutError') {
    return new HttpError(
      504,
      'upstream_timeout',
      `articles service did not answer within ${timeoutMs} ms`,
      {
        cause: error,
      },
    );
  }
  if (error instanceof TypeError || error instanceof SyntaxError || error instanceof RangeError) {
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
