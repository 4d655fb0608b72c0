import { parseEnv, port, serviceEnv } from '@cns/service-kit';
import { z } from 'zod';

const schema = z.object({
  ...serviceEnv,
  PORT: port(8081),
  /** Health and metrics, for the kubelet and Prometheus only; the ingress never routes here. */
  MANAGEMENT_PORT: port(9081),
  /** The `aud` value that marks a token as meant for this service. */
  OIDC_AUDIENCE: z.string().min(1).default('web-api'),
  /** Base URL of the articles service, e.g. `http://articles:8082`. */
  ARTICLES_URL: z.url({ protocol: /^https?$/ }),
  /** Upper bound for a whole call to articles, connect to last byte. */
  ARTICLES_TIMEOUT_MS: z.coerce.number().int().min(50).max(30_000).default(3_000),
});

export type Config = z.output<typeof schema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return parseEnv(schema, env);
}
