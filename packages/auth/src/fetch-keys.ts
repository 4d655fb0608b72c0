import { boundedRequest } from '@cns/bounded-request';
import { TokenVerificationError } from './errors.ts';

/** A key set is a few KiB; anything this large is not one. */
const MAX_JWKS_BYTES = 1_048_576;

/**
 * Fetches the JWKS for jose with {@link boundedRequest} (Node's own HTTP client) instead of `fetch`,
 * which would load a second HTTP stack for one request every ten minutes. jose reads only `status`
 * and `json()` of the answer.
 */
export async function fetchKeys(url: string, init: RequestInit): Promise<Response> {
  const signal = init.signal ?? undefined;
  try {
    const { status, body } = await boundedRequest(new URL(url), {
      maxBytes: MAX_JWKS_BYTES,
      headers: Object.fromEntries(new Headers(init.headers).entries()),
      signal,
    });
    const answer = {
      status,
      json: () => Promise.resolve(parseKeySet(body.toString('utf8'))),
    };
    return answer as Response;
  } catch (cause) {
    // jose turns its own timeout, the signal's reason, into JWKSTimeout.
    if (signal?.aborted && signal.reason instanceof Error) throw signal.reason;
    throw new TokenVerificationError('jwks_unavailable', 'signing keys unreachable', { cause });
  }
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
