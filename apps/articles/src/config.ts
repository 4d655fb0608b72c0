import { parseEnv, port, serviceEnv } from '@cns/service-kit';
import { z } from 'zod';

const schema = z.object({
  ...serviceEnv,
  PORT: port(8082),
  /** Health and metrics, for the kubelet and Prometheus only; the ingress never routes here. */
  MANAGEMENT_PORT: port(9082),
  /** The `aud` value that marks a token as meant for this service. */
  OIDC_AUDIENCE: z.string().min(1).default('articles'),
});

export type Config = z.output<typeof schema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return parseEnv(schema, env);
}
