import { request as httpRequest, type Agent, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface BoundedGetOptions {
  /** Largest body accepted, in bytes; a larger one fails the call with a `RangeError`. */
  maxBytes: number;
  headers?: Record<string, string>;
  /** Aborts the call, connect to last byte, e.g. `AbortSignal.timeout(3000)`. */
  signal?: AbortSignal;
  /** A keep-alive agent to reuse connections; Node's global agent otherwise. */
  agent?: Agent;
}

export interface BoundedAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body, decoded as UTF-8. */
  body: string;
}

/**
 * A GET with Node's own HTTP client rather than `fetch`: `fetch` loads a second HTTP stack
 * (undici, with its WebAssembly parser) that costs each service tens of MB of memory. The answer is
 * read whole, up to `maxBytes`, so a hostile or broken server cannot fill the memory.
 *
 * @throws RangeError when the body exceeds `maxBytes`; the signal's abort error when aborted; an
 *   `Error` when the connection fails or closes before the answer is complete.
 * @example
 * ```ts
 * const { status, body } = await boundedGet(new URL('http://articles:8082/articles'), {
 *   maxBytes: 1_048_576,
 *   signal: AbortSignal.timeout(3000),
 * })
 * ```
 */
export function boundedGet(url: URL, options: BoundedGetOptions): Promise<BoundedAnswer> {
  const { maxBytes, headers = {}, signal, agent } = options;
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = send(url, { method: 'GET', headers, signal, agent }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= maxBytes) chunks.push(chunk);
        else response.destroy(new RangeError(`answer larger than ${maxBytes} bytes`));
      });
      response.on('error', reject);
      response.on('close', () => {
        if (!response.complete) reject(new Error('connection closed mid-answer'));
      });
      response.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body });
      });
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}
