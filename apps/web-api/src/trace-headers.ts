import type { Request } from 'express';

/** The headers Istio needs an app to copy from its inbound to its outbound requests. */
const TRACE_HEADERS = [
  'traceparent',
  'tracestate',
  'x-b3-traceid',
  'x-b3-spanid',
  'x-b3-parentspanid',
  'x-b3-sampled',
  'x-b3-flags',
  'b3',
  'x-ot-span-context',
] as const;

/** The inbound tracing headers, plus the request id so both services log the same one. */
export function traceHeaders(req: Request, requestId: string): Record<string, string> {
  const headers: Record<string, string> = { 'x-request-id': requestId };
  for (const name of TRACE_HEADERS) {
    const value = req.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  return headers;
}
