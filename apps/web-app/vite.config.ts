import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig, type Plugin } from 'vite';
import { nginxHeaders, withCspSources } from './scripts/nginx-headers.ts';

// The ports `pnpm start` moved web-api and the IdP to (scripts/start-service.sh), if any.
const webApiPort = process.env.WEBAPI_PORT ?? '8081';
const idpPort = process.env.KEYCLOAK_PORT || undefined;
// In exchange mode (`RELAY_MODE=exchange pnpm start`, lab 11) the web-app's tokens name web-api
// alone: it asks for no scope beyond openid, so articles is not in their audience.
const exchangeMode = process.env.RELAY_MODE === 'exchange';

// Same-origin `/articles`, as behind the cluster's ingress; web-api's local address.
const proxy = { '/articles': `http://127.0.0.1:${webApiPort}` };

// The cluster mounts a ConfigMap over /config.json; WEB_APP_CONFIG names a file to serve instead
// of public/config.json, e.g. to point the app at another Keycloak.
const overrideConfigFile = process.env.WEB_APP_CONFIG;
const configFile =
  overrideConfigFile ?? fileURLToPath(new URL('public/config.json', import.meta.url));

/**
 * The config file, its local Keycloak URL moved to KEYCLOAK_PORT when that is set, and without
 * further scopes in exchange mode.
 */
function runtimeConfig(): string {
  const text = readFileSync(configFile, 'utf8');
  const config = JSON.parse(text) as { keycloakUrl: string; scope?: string };
  const keycloakUrl = new URL(config.keycloakUrl, 'http://localhost:5173');
  const moved = idpPort !== undefined && keycloakUrl.hostname === 'localhost';
  if (moved) keycloakUrl.port = idpPort;
  return JSON.stringify({
    ...config,
    ...(moved && { keycloakUrl: keycloakUrl.href.replace(/\/$/, '') }),
    ...(exchangeMode && { scope: '' }),
  });
}

function serveConfigFile(): Plugin {
  const send = (_req: unknown, res: ServerResponse) => {
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('Cache-Control', 'no-cache');
    res.end(runtimeConfig());
  };
  return {
    name: 'serve-config-file',
    configureServer: (server) => void server.middlewares.use('/config.json', send),
    configurePreviewServer: (server) => void server.middlewares.use('/config.json', send),
  };
}

/**
 * `vite preview` answers with the container's headers, so the production build runs locally under
 * the real Content-Security-Policy. Locally the IdP has its own origin, which the policy must allow
 * for keycloak-js's token requests and for its logout form.
 */
function previewHeaders(): Record<string, string> {
  const headers = nginxHeaders(readFileSync(new URL('nginx.conf', import.meta.url), 'utf8'));
  const { keycloakUrl } = JSON.parse(runtimeConfig()) as { keycloakUrl: string };
  const csp = headers['Content-Security-Policy'];
  if (!csp) throw new Error('nginx.conf sets no Content-Security-Policy');
  const idp = new URL(keycloakUrl, 'http://localhost:5173').origin;
  headers['Content-Security-Policy'] = withCspSources(
    withCspSources(csp, 'connect-src', [idp]),
    'form-action',
    [idp],
  );
  return headers;
}

export default defineConfig({
  plugins: [vue(), ...(overrideConfigFile || idpPort || exchangeMode ? [serveConfigFile()] : [])],
  server: { host: 'localhost', port: 5173, strictPort: true, proxy },
  preview: { host: 'localhost', port: 5173, strictPort: true, proxy, headers: previewHeaders() },
});
