import autocannon from 'autocannon';

export interface LoadResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Connection errors, timeouts and non-2xx answers. */
  errors: number;
  /** Of the errors, the requests left unanswered for the whole timeout. */
  timeouts: number;
  requests: number;
}

/**
 * Drives `url` with `connections` keep-alive connections for `seconds`, one request in flight each;
 * a request unanswered after `timeoutSeconds` counts as an error.
 */
export async function load(
  url: string,
  connections: number,
  seconds: number,
  headers: Record<string, string>,
  timeoutSeconds = 10,
): Promise<LoadResult> {
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    pipelining: 1,
    headers,
    timeout: timeoutSeconds,
  });
  return {
    rps: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    // autocannon's `errors` already include its `timeouts`.
    errors: result.errors + result.non2xx,
    timeouts: result.timeouts,
    requests: result.requests.total,
  };
}
