import autocannon from 'autocannon';

export interface LoadResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Failed requests: connection errors (timeouts among them) and non-2xx answers. */
  errors: number;
  requests: number;
  /** CPU time of this process (the load generator) per request, in µs. */
  loadGeneratorUsPerRequest: number;
}

/** The `Authorization` header of each request: one token for all, or the next of many. */
export type Credentials = string | (() => string);

/** Drives `url` with `connections` keep-alive connections for `seconds`, one request in flight each. */
export async function load(
  url: string,
  connections: number,
  seconds: number,
  authorization: Credentials,
): Promise<LoadResult> {
  const perRequest =
    typeof authorization === 'string'
      ? { headers: { authorization } }
      : {
          requests: [
            {
              setupRequest: (request: autocannon.Request) => ({
                ...request,
                headers: { ...request.headers, authorization: authorization() },
              }),
            },
          ],
        };
  const cpuBefore = process.cpuUsage();
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    pipelining: 1,
    ...perRequest,
  });
  const cpu = process.cpuUsage(cpuBefore);
  const requests = result.requests.total;
  return {
    rps: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    // autocannon counts a timeout in `errors` and again in `timeouts`.
    errors: result.errors + result.non2xx,
    requests,
    loadGeneratorUsPerRequest: Math.round((cpu.user + cpu.system) / Math.max(requests, 1)),
  };
}
