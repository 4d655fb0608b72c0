import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { RequestHandler, Response } from 'express';
import type { Lifecycle } from './lifecycle.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';

// Envoy sets a UUID; accept any similar opaque id, never arbitrary text that would pollute logs.
const REQUEST_ID = /^[\w.:-]{1,128}$/;

const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/;
const B3_TRACE_ID = /^[\da-f]{16}(?:[\da-f]{16})?$/;

/** The trace id of a W3C `traceparent` or B3 header, so logs can be joined with traces. */
function traceIdOf(headers: IncomingHttpHeaders): string | undefined {
  const { traceparent, 'x-b3-traceid': b3 } = headers;
  if (typeof traceparent === 'string') return TRACEPARENT.exec(traceparent)?.[1];
  return typeof b3 === 'string' && B3_TRACE_ID.test(b3) ? b3 : undefined;
}

/** What the error middleware leaves for the request log. */
export interface ErrorLocals {
  errorCode?: string;
  errorReason?: string;
}

/** The request id of a response, set by {@link requestContext}. */
export function requestIdOf(res: Response): string {
  return String(res.locals.requestId);
}

/** nginx's code for a request whose client closed the connection before the answer was sent. */
const CLIENT_CLOSED_REQUEST = 499;

/**
 * Gives every request an id (the caller's `x-request-id` if well-formed, else a new UUID), echoes it
 * in the response, records metrics, and logs one line when the exchange is over: failures at info
 * or above, successes at debug so the hot path stays quiet. A request the client gave up on counts
 * as 499, so the slow requests that made clients leave are not missing from logs and metrics.
 */
export function requestContext(
  logger: Logger,
  lifecycle: Lifecycle,
  metrics: Metrics,
): RequestHandler {
  return (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const requestId =
      typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('x-request-id', requestId);
    // While draining, let clients finish the request at hand and reconnect elsewhere.
    if (!lifecycle.ready) res.setHeader('Connection', 'close');

    const path = req.path;
    const started = process.hrtime.bigint();
    res.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const status = res.writableFinished ? res.statusCode : CLIENT_CLOSED_REQUEST;
      metrics.observe(req, res, status, seconds);
      const level = status >= 500 ? 'error' : status >= 400 ? 'info' : 'debug';
      if (!logger.isLevelEnabled(level)) return;
      const locals = res.locals as ErrorLocals;
      logger[level](
        {
          requestId,
          traceId: traceIdOf(req.headers),
          method: req.method,
          path,
          status,
          durationMs: seconds * 1000,
          error: locals.errorCode,
          reason: locals.errorReason,
        },
        'request',
      );
    });
    next();
  };
}
