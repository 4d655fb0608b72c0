import { parseEnv, port, serviceEnv } from '@cns/service-kit';
import { z } from 'zod';

const schema = z.object({
  HOST: serviceEnv.HOST,
  LOG_LEVEL: serviceEnv.LOG_LEVEL,
  PORT: port(8080),
  /** The origin browsers and curl use to reach this IdP; part of the issuer. */
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).default('http://localhost:8080'),
  /** The Keycloak realm export to serve. */
  REALM_FILE: z.string().min(1),
  /** Overrides the realm's access token lifespan (seconds), e.g. to test refreshes quickly. */
  ACCESS_TOKEN_LIFESPAN: z.coerce.number().int().min(5).max(86_400).optional(),
  /**
   * The secret of the realm's confidential client web-api (its `${WEB_API_CLIENT_SECRET}`), as
   * Keycloak's import reads it; unset, web-api cannot log in and token exchange is off.
   */
  WEB_API_CLIENT_SECRET: z.string().min(16).optional(),
});

export type Config = z.output<typeof schema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return parseEnv(schema, env);
}
