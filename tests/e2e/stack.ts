import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PlaywrightTestConfig } from '@playwright/test';
import { identityProvider as idp } from './identity-provider.ts';

/** The README's local ports: what the realm's redirect URIs and web origins allow. */
export const WEB_APP = 'http://localhost:5173';
export const WEB_API = 'http://127.0.0.1:8081';
/** The services' management ports (health and metrics), as in their local.env. */
const ARTICLES_MANAGEMENT = 'http://127.0.0.1:9082';
const WEB_API_MANAGEMENT = 'http://127.0.0.1:9081';

type WebServer = Extract<NonNullable<PlaywrightTestConfig['webServer']>, unknown[]>[number];

const server = (name: string, command: string, url: string, env: Record<string, string> = {}) =>
  ({
    name,
    command,
    url,
    env,
    // A server already on the port would be tested instead of this checkout's: refuse.
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
    gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
  }) satisfies WebServer;

/** Settings for another IdP than the local default, as the cluster's ConfigMaps would carry them. */
function otherIdpSettings(): {
  services: Record<string, string>;
  webApp: Record<string, string>;
} {
  if (idp.isLocalDefault) return { services: {}, webApp: {} };
  const configFile = join(mkdtempSync(join(tmpdir(), 'cns-e2e-')), 'config.json');
  // The local file's other fields (client, scope), with the other IdP's address.
  const local = readFileSync(new URL('../../apps/web-app/public/config.json', import.meta.url));
  const config = {
    ...(JSON.parse(local.toString()) as Record<string, string>),
    keycloakUrl: idp.keycloakUrl,
    realm: idp.realm,
  };
  writeFileSync(configFile, JSON.stringify(config));
  return {
    services: {
      OIDC_ISSUER: idp.issuer,
      OIDC_JWKS_URI: `${idp.issuer}/protocol/openid-connect/certs`,
    },
    webApp: { WEB_APP_CONFIG: configFile },
  };
}

/**
 * The locally started stack: the identity provider (unless one is given), articles, web-api and
 * the web-app's production build, each through its package's own start script.
 */
export function stack(): WebServer[] {
  const settings = otherIdpSettings();
  return [
    ...(idp.startedBySuite
      ? [
          server(
            'dev-idp',
            'pnpm --filter @cns/dev-idp start',
            `${idp.issuer}/.well-known/openid-configuration`,
            { ACCESS_TOKEN_LIFESPAN: String(idp.devIdpAccessTokenLifespan) },
          ),
        ]
      : []),
    server(
      'articles',
      'pnpm --filter @cns/articles start',
      `${ARTICLES_MANAGEMENT}/health/ready`,
      settings.services,
    ),
    server(
      'web-api',
      'pnpm --filter @cns/web-api start',
      `${WEB_API_MANAGEMENT}/health/ready`,
      settings.services,
    ),
    server(
      'web-app',
      'pnpm --filter @cns/web-app preview',
      `${WEB_APP}/config.json`,
      settings.webApp,
    ),
  ];
}
