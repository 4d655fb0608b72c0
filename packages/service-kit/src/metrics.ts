import type { Request, RequestHandler, Response } from 'express';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** Prometheus metrics of one service instance, in a registry of its own. */
export interface Metrics {
  registry: Registry;
  /**
   * Records a request that ended with `status` (499 when the client left before the answer);
   * called by the request context middleware.
   */
  observe(req: Request, res: Response, status: number, seconds: number): void;
  /** Records a request Node's HTTP parser refused (400, 408, 431) before any route saw it. */
  refused(status: number): void;
  /** `GET /metrics` in the Prometheus text format. */
  handler: RequestHandler;
}

export function createMetrics(service: string): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'Requests answered',
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer a request',
    labelNames,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const authFailures = new Counter({
    name: 'auth_failures_total',
    help: 'Requests refused by authentication or authorization, by reason',
    labelNames: ['reason'],
    registers: [registry],
  });
  const upstreamErrors = new Counter({
    name: 'upstream_errors_total',
    help: 'Requests failed because a dependency (articles, the IdP) failed, by error code',
    labelNames: ['code'],
    registers: [registry],
  });

  const refusals = new Counter({
    name: 'http_requests_refused_total',
    help: 'Requests refused by the HTTP parser (malformed, too slow, headers too large), by status',
    labelNames: ['status'],
    registers: [registry],
  });

  const series = new Map<
    string,
    { count: { inc(): void }; time: { observe(value: number): void } }
  >();

  return {
    registry,
    observe(req, res, status, seconds) {
      // The route pattern, not the path: unmatched paths would make a label value per request.
      const route = req.route
        ? `${req.baseUrl}${String((req.route as { path: string }).path)}`
        : '(unmatched)';
      // Bound children per series: prom-client then skips hashing the labels on every request.
      const key = `${req.method} ${route} ${status}`;
      let bound = series.get(key);
      if (bound === undefined) {
        const labels = { method: req.method, route, status: String(status) };
        bound = { count: requests.labels(labels), time: duration.labels(labels) };
        series.set(key, bound);
      }
      bound.count.inc();
      bound.time.observe(seconds);
      const { errorCode, errorReason } = res.locals as { errorCode?: string; errorReason?: string };
      if ((status === 401 || status === 403) && errorReason)
        authFailures.inc({ reason: errorReason });
      if (status >= 502 && status <= 504 && errorCode) upstreamErrors.inc({ code: errorCode });
    },
    refused(status) {
      refusals.inc({ status: String(status) });
    },
    handler: async (_req, res) => {
      res.set('Content-Type', registry.contentType).send(await registry.metrics());
    },
  };
}
