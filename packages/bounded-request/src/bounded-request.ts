import { request as httpRequest, type Agent, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface BoundedRequestOptions {
  /** Default GET. */
  method?: 'GET' | 'POST';
  /** Sent as it is, with its length; set its `content-type` in `headers`. */
  body?: string;
  /** Largest answer accepted, in bytes; a larger one fails the call with a `RangeError`. */
  maxBytes: number;
  headers?: Record<string, string>;
  /**
   * Deadline for the whole call, connect to last byte: past it the call fails with a
   * `DOMException` named `TimeoutError`. A timer per call is cheaper than an `AbortSignal` per call.
   */
  timeoutMs?: number;
  /** Aborts the call, e.g. the signal jose passes with its own timeout. */
  signal?: AbortSignal;
  /** A keep-alive agent to reuse connections; Node's global agent otherwise. */
  agent?: Agent;
}

export interface BoundedAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as received, so a caller can compare it as bytes before decoding it. */
  body: Buffer;
}

/**
 * A request with Node's own HTTP client rather than `fetch`: `fetch` loads a second HTTP stack
 * (undici, with its WebAssembly parser) that costs each service tens of MB of memory. The answer is
 * read whole, up to `maxBytes`, so a hostile or broken server cannot fill the memory.
 *
 * @throws RangeError when the body exceeds `maxBytes`; a `TimeoutError` past `timeoutMs`; the
 *   signal's abort error when aborted; an `Error` when the connection fails or closes before the
 *   answer is complete.
 * @example
 * ```ts
 * const { status, body } = await boundedRequest(new URL('http://articles:8082/articles'), {
 *   maxBytes: 1_048_576,
 *   timeoutMs: 3000,
 * })
 * ```
 */
export function boundedRequest(url: URL, options: BoundedRequestOptions): Promise<BoundedAnswer> {
  const { method = 'GET', body, maxBytes, headers = {}, timeoutMs, signal, agent } = options;
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    let deadline: NodeJS.Timeout | undefined;
    const fail = (error: Error) => {
      clearTimeout(deadline);
      reject(error);
    };
    const outgoing = send(url, { method, headers, signal, agent }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= maxBytes) chunks.push(chunk);
        else response.destroy(new RangeError(`answer larger than ${maxBytes} bytes`));
      });
      response.on('error', fail);
      response.on('close', () => {
        if (!response.complete) fail(new Error('connection closed mid-answer'));
      });
      response.on('end', () => {
        clearTimeout(deadline);
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks),
        });
      });
    });
    if (timeoutMs !== undefined) {
      deadline = setTimeout(() => {
        reject(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError'));
        outgoing.destroy();
      }, timeoutMs);
    }
    outgoing.on('error', fail);
    if (body !== undefined) outgoing.setHeader('content-length', Buffer.byteLength(body));
    outgoing.end(body);
  });
}
