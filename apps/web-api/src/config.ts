import { parseEnv, port, serviceEnv } from '@cns/service-kit';
import { z } from 'zod';

const schema = z
  .object({
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
    /**
     * How the caller's identity reaches articles: `forward` relays the caller's token unchanged;
     * `exchange` trades it at the IdP (RFC 8693) for a token meant for articles alone.
     */
    RELAY_MODE: z.enum(['forward', 'exchange']).default('forward'),
    /** Exchange mode: the IdP's token endpoint; may be an internal URL, like OIDC_JWKS_URI. */
    OIDC_TOKEN_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
    /** Exchange mode: this service's confidential client at the IdP. */
    OIDC_CLIENT_ID: z.string().min(1).default('web-api'),
    /**
     * Exchange mode: its secret, from a Kubernetes Secret, never in a file of the repository; the
     * same name Keycloak's realm import and dev-idp read.
     */
    WEB_API_CLIENT_SECRET: z.string().min(1).optional(),
    /** Exchange mode: the `aud` the exchanged token carries. */
    ARTICLES_AUDIENCE: z.string().min(1).default('articles'),
    /** Exchange mode: upper bound for one call to the IdP's token endpoint. */
    TOKEN_EXCHANGE_TIMEOUT_MS: z.coerce.number().int().min(50).max(30_000).default(3_000),
  })
  .superRefine((config, context) => {
    if (config.RELAY_MODE !== 'exchange') return;
    for (const key of ['OIDC_TOKEN_ENDPOINT', 'WEB_API_CLIENT_SECRET'] as const) {
      if (config[key] === undefined) {
        context.addIssue({
          code: 'custom',
          path: [key],
          message: 'required when RELAY_MODE=exchange',
        });
      }
    }
  });

export type Config = z.output<typeof schema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return parseEnv(schema, env);
}
