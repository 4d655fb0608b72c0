import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { TokenVerificationError } from './errors.ts';

/** A key set is a few KiB; anything this large is not one. */
const MAX_JWKS_BYTES = 1_048_576;

/**
 * Fetches the JWKS for jose with Node's own HTTP client instead of `fetch`: `fetch` loads a second
 * HTTP stack (undici, with its WebAssembly parser) that costs each service tens of MB of memory for
 * one request every ten minutes. jose reads only `status` and `json()` of the answer.
 */
export function fetchKeys(url: string, init: RequestInit): Promise<Response> {
  const request = url.startsWith('https:') ? httpsRequest : httpRequest;
  const headers = Object.fromEntries(new Headers(init.headers).entries());
  return new Promise((resolve, reject) => {
    const unreachable = (cause: unknown) =>
      cause instanceof Error && cause.name === 'AbortError' && init.signal?.reason instanceof Error
        ? reject(init.signal.reason) // jose turns the timeout into JWKSTimeout
        : reject(
            new TokenVerificationError('jwks_unavailable', 'signing keys unreachable', { cause }),
          );
    const outgoing = request(
      url,
      { method: 'GET', headers, signal: init.signal ?? undefined },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_JWKS_BYTES)
            response.destroy(new Error(`key set larger than ${MAX_JWKS_BYTES} bytes`));
          else chunks.push(chunk);
        });
        response.on('error', unreachable);
        response.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          const answer = {
            status: response.statusCode ?? 0,
            json: () => Promise.resolve(parseKeySet(body)),
          };
          resolve(answer as Response);
        });
      },
    );
    outgoing.on('error', unreachable);
    outgoing.end();
  });
}

/**
 * Refuses a body that is not a key set here, as a fetch failure, so that jose's `JWKSInvalid` only
 * ever means "a member of a fetched set is unusable".
 */
function parseKeySet(body: string): unknown {
  const json = JSON.parse(body) as { keys?: unknown } | null;
  const keys = json?.keys;
  if (
    !Array.isArray(keys) ||
    !keys.every((key) => typeof key === 'object' && key !== null && !Array.isArray(key))
  ) {
    throw new TokenVerificationError('jwks_unavailable', 'the JWKS endpoint sent no key set');
  }
  return json;
}
