import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  appOptions,
  ConfigError,
  DEFAULT_RATE_LIMIT,
  listenOptions,
  parseEnv,
  port,
  serviceEnv,
} from '../src/index.ts';

const schema = z.object({ ...serviceEnv, PORT: port(8082) });
const oidc = {
  OIDC_ISSUER: 'https://demo.k8s.local/auth/realms/quarkus',
  OIDC_JWKS_URI: 'http://keycloak:8080/auth/realms/quarkus/protocol/openid-connect/certs',
};

describe('the shared service variables', () => {
  it('default to what the service app defaults to', () => {
    const config = parseEnv(schema, oidc);
    expect(appOptions(config)).toEqual({
      corsAllowedOrigins: [],
      rateLimit: DEFAULT_RATE_LIMIT,
      trustedProxyHops: 0,
    });
    expect(listenOptions(config)).toEqual({ port: 8082, host: '0.0.0.0', shutdownDrainDelayMs: 0 });
  });

  it('reach the options under the same names', () => {
    const config = parseEnv(schema, {
      ...oidc,
      PORT: '9000',
      HOST: '127.0.0.1',
      SHUTDOWN_DRAIN_DELAY_MS: '5000',
      CORS_ALLOWED_ORIGINS: 'https://a.example, https://b.example',
      RATE_LIMIT_PER_SECOND: '0',
      RATE_LIMIT_BURST: '7',
      TRUSTED_PROXY_HOPS: '1',
    });
    expect(appOptions(config)).toEqual({
      corsAllowedOrigins: ['https://a.example', 'https://b.example'],
      rateLimit: { perSecond: 0, burst: 7 },
      trustedProxyHops: 1,
    });
    expect(listenOptions(config)).toEqual({
      port: 9000,
      host: '127.0.0.1',
      shutdownDrainDelayMs: 5000,
    });
  });

  it('name every bad or missing variable in one error', () => {
    expect(() => parseEnv(schema, { CORS_ALLOWED_ORIGINS: 'https://a.example/path' })).toThrow(
      new ConfigError(
        'invalid configuration:\n' +
          '  OIDC_ISSUER: required but not set\n' +
          '  OIDC_JWKS_URI: required but not set\n' +
          '  CORS_ALLOWED_ORIGINS.0: must be an origin, like https://app.example',
      ),
    );
  });
});
