import { STATUS_CODES } from 'node:http';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { HttpError, isHttpErrorLike, type HttpErrorLike } from './http-error.ts';
import type { Logger } from './logger.ts';
import type { ErrorLocals } from './request-context.ts';

/** The JSON body of every error response. */
export interface ErrorBody {
  error: string;
  error_description: string;
}

/** Answers any request no route took with a JSON 404. Register after all routes. */
export const notFound: RequestHandler = (req) => {
  throw new HttpError(404, 'not_found', `no route for ${req.method} ${req.path}`);
};

/**
 * Answers a route's unsupported methods with 405 and an `Allow` header.
 *
 * @example
 * ```ts
 * router.route('/articles').get(list).all(methodNotAllowed('GET'))
 * ```
 */
export function methodNotAllowed(...allowed: string[]): RequestHandler {
  const allow = [...allowed, ...(allowed.includes('GET') ? ['HEAD'] : [])].join(', ');
  return (req) => {
    throw new HttpError(405, 'method_not_allowed', `${req.method} is not allowed here`, {
      headers: { Allow: allow },
    });
  };
}

/**
 * The one place errors become responses: `{ error, error_description }` with the error's status and
 * headers. Unexpected errors are logged with their stack and answered with a bare 500; no stack or
 * internal message ever reaches the client.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    const http = toHttpError(error);
    const locals = res.locals as ErrorLocals;
    locals.errorCode = http.code;
    locals.errorReason = (error as { reason?: string } | undefined)?.reason;
    if (http.status === 500) {
      logger.error(
        { err: error, requestId: res.locals.requestId, path: req.path },
        'unhandled error',
      );
    }
    if (res.headersSent) return next(error); // Express closes the connection
    const body: ErrorBody = { error: http.code, error_description: http.message };
    res
      .status(http.status)
      .set(http.headers ?? {})
      .json(body);
  };
}

function toHttpError(error: unknown): HttpErrorLike {
  if (isHttpErrorLike(error)) return error;
  // Errors from Express and body parsers carry a client-error status but no code of ours.
  const status = (error as { status?: unknown } | undefined)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, code: 'bad_request', message: STATUS_CODES[status] ?? 'bad request' };
  }
  return { status: 500, code: 'internal_error', message: 'internal error' };
}
