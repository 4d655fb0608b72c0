import { readFileSync } from 'node:fs';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';
import { nginxHeaders, withCspSources } from './scripts/nginx-headers.ts';

// Same-origin `/articles`, as behind the cluster's ingress; web-api's local address.
const proxy = { '/articles': 'http://127.0.0.1:8081' };

/**
 * `vite preview` answers with the container's headers, so the production build runs locally under
 * the real Content-Security-Policy. Locally the IdP has its own origin, which the policy must allow.
 */
function previewHeaders(): Record<string, string> {
  const read = (file: string) => readFileSync(new URL(file, import.meta.url), 'utf8');
  const headers = nginxHeaders(read('./nginx.conf'));
  const { keycloakUrl } = JSON.parse(read('./public/config.json')) as { keycloakUrl: string };
  const csp = headers['Content-Security-Policy'];
  if (!csp) throw new Error('nginx.conf sets no Content-Security-Policy');
  headers['Content-Security-Policy'] = withCspSources(csp, 'connect-src', [
    new URL(keycloakUrl).origin,
  ]);
  return headers;
}

export default defineConfig({
  plugins: [vue()],
  server: { host: 'localhost', port: 5173, strictPort: true, proxy },
  preview: { host: 'localhost', port: 5173, strictPort: true, proxy, headers: previewHeaders() },
});
