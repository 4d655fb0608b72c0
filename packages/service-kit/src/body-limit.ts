import type { RequestHandler } from 'express';
import { HttpError } from './http-error.ts';

/**
 * The services take no request bodies. Refuse large or unbounded ones before any work is done,
 * rather than let Node read and discard them.
 */
export function rejectLargeBodies(maxBytes: number): RequestHandler {
  return (req, _res, next) => {
    const length = Number(req.headers['content-length'] ?? 0);
    if (req.headers['transfer-encoding'] !== undefined || !(length <= maxBytes)) {
      throw new HttpError(
        413,
        'payload_too_large',
        `request bodies over ${maxBytes} bytes are not accepted`,
        // Closing is the only way not to read the rest: a kept-alive connection would drain it.
        { headers: { Connection: 'close' } },
      );
    }
    next();
  };
}
