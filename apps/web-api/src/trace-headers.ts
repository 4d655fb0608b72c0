import type { Request } from 'express';

const HEX16 = '[\\da-f]{16}';
const TRACE_ID = `(?:[\\da-f]{32}|${HEX16})`;
const matches = (pattern: string) => {
  const regex = new RegExp(`^(?:${pattern})$`);
  return (value: string) => regex.test(value);
};

// W3C Trace Context §3.2: version-traceid-parentid-flags, lower-case hex; version ff is invalid.
const TRACEPARENT = /^(?!ff)[\da-f]{2}-(?!0{32})[\da-f]{32}-(?!0{16})[\da-f]{16}-[\da-f]{2}$/;
// W3C Trace Context §3.3: up to 32 members `key=value`, separated by commas and optional spaces;
// keys are lower case.
const TRACESTATE_MEMBER =
  /^(?:[a-z][a-z\d_\-*/]{0,255}|[a-z\d][a-z\d_\-*/]{0,240}@[a-z][a-z\d_\-*/]{0,13})=[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;
// "Vendors SHOULD propagate at least 512 characters" (§3.3.1.5); we relay no more than that.
const MAX_TRACESTATE_LENGTH = 512;
const MAX_TRACESTATE_MEMBERS = 32;

/**
 * The headers Istio needs an app to copy from its inbound to its outbound requests, each with the
 * shape its specification gives (W3C Trace Context; B3 of openzipkin/b3-propagation; Lightstep's
 * `x-ot-span-context`, hex fields separated by `;`).
 */
const TRACE_HEADERS: Record<string, (value: string) => boolean> = {
  traceparent: (value) => TRACEPARENT.test(value),
  'x-b3-traceid': matches(TRACE_ID),
  'x-b3-spanid': matches(HEX16),
  'x-b3-parentspanid': matches(HEX16),
  'x-b3-sampled': matches('[01]'),
  'x-b3-flags': matches('1'),
  b3: matches(`${TRACE_ID}-${HEX16}(?:-[01d](?:-${HEX16})?)?|[01d]`),
  'x-ot-span-context': matches(`${TRACE_ID}(?:;${HEX16}){1,2}`),
};

function isTracestate(value: string): boolean {
  if (value.length > MAX_TRACESTATE_LENGTH) return false;
  const members = value.split(',').map((member) => member.trim());
  return (
    members.length <= MAX_TRACESTATE_MEMBERS &&
    members.every((member) => member === '' || TRACESTATE_MEMBER.test(member))
  );
}

/**
 * The inbound tracing headers that are well-formed and within their specifications' limits, plus
 * the request id so both services log the same one. Anything else is dropped rather than relayed:
 * a client must not be able to make the call to articles fail (a 15 KB `tracestate` exceeds its
 * header limit) or carry arbitrary text into it.
 */
export function traceHeaders(req: Request, requestId: string): Record<string, string> {
  const headers: Record<string, string> = { 'x-request-id': requestId };
  for (const [name, isValid] of Object.entries(TRACE_HEADERS)) {
    const value = req.headers[name];
    if (typeof value === 'string' && isValid(value)) headers[name] = value;
  }
  // §3.3: without a valid traceparent, tracestate must not be passed on.
  const { tracestate } = req.headers;
  if (headers.traceparent && typeof tracestate === 'string' && isTracestate(tracestate)) {
    headers.tracestate = tracestate;
  }
  return headers;
}
