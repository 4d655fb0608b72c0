import { boundedGet } from '@cns/bounded-get';
import { TokenVerificationError } from './errors.ts';

/** A key set is a few KiB; anything this large is not one. */
const MAX_JWKS_BYTES = 1_048_576;

/**
 * Fetches the JWKS for jose with {@link boundedGet} (Node's own HTTP client) instead of `fetch`,
 * which would load a second HTTP stack for one request every ten minutes. jose reads only `status`
 * and `json()` of the answer.
 */
export async function fetchKeys(url: string, init: RequestInit): Promise<Response> {
  const signal = init.signal ?? undefined;
  try {
    const { status, body } = await boundedGet(new URL(url), {
      maxBytes: MAX_JWKS_BYTES,
      headers: Object.fromEntries(new Headers(init.headers).entries()),
      signal,
    });
    const answer = {
      status,
      json: () => Promise.resolve(JSON.parse(body.toString('utf8')) as unknown),
    };
    return answer as Response;
  } catch (cause) {
    // jose turns its own timeout, the signal's reason, into JWKSTimeout.
    if (signal?.aborted && signal.reason instanceof Error) throw signal.reason;
    throw new TokenVerificationError('jwks_unavailable', 'signing keys unreachable', { cause });
  }
}
