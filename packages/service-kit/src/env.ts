import { z } from 'zod';
import { DEFAULT_RATE_LIMIT, type RateLimitOptions } from './rate-limit.ts';

/** A TCP port, with the service's default; 0 picks a free one (tests). */
export const port = (fallback: number) =>
  z.coerce.number().int().min(0).max(65_535).default(fallback);

function commaList(fallback: string) {
  return z
    .string()
    .default(fallback)
    .transform((value) =>
      value
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean),
    );
}

/** Variables every service reads; apps spread this into their own schema. */
export const serviceEnv = {
  HOST: z.string().min(1).default('0.0.0.0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** How long to answer "not ready" before closing the listener, so load balancers stop sending. */
  SHUTDOWN_DRAIN_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(0),
  /** The `iss` tokens carry: Keycloak's external URL. */
  OIDC_ISSUER: z.url({ protocol: /^https?$/ }),
  /** Where this service fetches the signing keys: may be an internal URL. */
  OIDC_JWKS_URI: z.url({ protocol: /^https?$/ }),
  /**
   * Comma-separated clients (`azp`) whose access tokens the service accepts: the web-app's, plus
   * the labs' command-line client where curl users call the API.
   */
  OIDC_AUTHORIZED_PARTIES: commaList('frontend').pipe(z.array(z.string().min(1)).min(1)),
  /** Comma-separated origins allowed to call from browsers elsewhere; empty: same origin only. */
  CORS_ALLOWED_ORIGINS: commaList('').pipe(
    z.array(
      z
        .url({ protocol: /^https?$/ })
        .refine(
          (url) => new URL(url).origin === url,
          'must be an origin, like https://app.example',
        ),
    ),
  ),
  /** Sustained requests per second per client address (see TRUSTED_PROXY_HOPS); 0: off. */
  RATE_LIMIT_PER_SECOND: z.coerce
    .number()
    .int()
    .min(0)
    .max(1_000_000)
    .default(DEFAULT_RATE_LIMIT.perSecond),
  /** Requests a client may send at once before the sustained rate applies. */
  RATE_LIMIT_BURST: z.coerce.number().int().min(1).max(1_000_000).default(DEFAULT_RATE_LIMIT.burst),
  /**
   * Proxies in front of the service whose `X-Forwarded-For` entries are trusted to name the client:
   * 0 takes the connection's address; 1 behind Istio's ingress gateway and sidecar.
   */
  TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
};

/** The shared variables, parsed: what {@link serviceEnv} yields. */
export type ServiceEnv = z.output<z.ZodObject<typeof serviceEnv>>;

/**
 * The service app's options from the shared variables, each the variable's name in camelCase.
 *
 * @example
 * ```ts
 * createServiceApp({ service, logger, lifecycle, routes, ...appOptions(config) })
 * ```
 */
export function appOptions(
  config: Pick<
    ServiceEnv,
    'CORS_ALLOWED_ORIGINS' | 'RATE_LIMIT_PER_SECOND' | 'RATE_LIMIT_BURST' | 'TRUSTED_PROXY_HOPS'
  >,
): { corsAllowedOrigins: string[]; rateLimit: RateLimitOptions; trustedProxyHops: number } {
  return {
    corsAllowedOrigins: config.CORS_ALLOWED_ORIGINS,
    rateLimit: { perSecond: config.RATE_LIMIT_PER_SECOND, burst: config.RATE_LIMIT_BURST },
    trustedProxyHops: config.TRUSTED_PROXY_HOPS,
  };
}

/**
 * Where and how {@link serve} listens, from `PORT`, `HOST` and `SHUTDOWN_DRAIN_DELAY_MS`.
 *
 * @example
 * ```ts
 * const service = await serve(app, { ...listenOptions(config), logger, lifecycle })
 * ```
 */
export function listenOptions(
  config: Pick<ServiceEnv, 'HOST'> &
    Partial<Pick<ServiceEnv, 'SHUTDOWN_DRAIN_DELAY_MS'>> & { PORT: number },
): { port: number; host: string; shutdownDrainDelayMs: number } {
  return {
    port: config.PORT,
    host: config.HOST,
    shutdownDrainDelayMs: config.SHUTDOWN_DRAIN_DELAY_MS ?? 0,
  };
}

/** The configuration is unusable; the message lists every problem, one per line. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Parses environment variables with a schema, or throws a {@link ConfigError} naming each bad or
 * missing variable.
 *
 * @example
 * ```ts
 * const config = parseEnv(z.object({ ...serviceEnv, PORT: port(8082) }), process.env)
 * ```
 */
export function parseEnv<Schema extends z.ZodType>(
  schema: Schema,
  env: Readonly<Record<string, string | undefined>>,
): z.output<Schema> {
  const result = schema.safeParse(env, { reportInput: true });
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const message = issue.input === undefined ? 'required but not set' : issue.message;
    return `  ${issue.path.join('.') || '(root)'}: ${message}`;
  });
  throw new ConfigError(`invalid configuration:\n${problems.join('\n')}`);
}
