import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@cns/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from './raw-http.ts';

// The web-app's nginx.conf, served by a real nginx (Debian's, which .ci/run unpacks into .cache).
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NGINX = process.env.NGINX_BIN ?? join(ROOT, '.cache/nginx/usr/sbin/nginx');
// Debian's layout, unpacked or installed: usr/sbin/nginx and etc/nginx/mime.types under one root.
const MIME_TYPES = join(NGINX, '../../../etc/nginx/mime.types');

let dir: string;
let nginx: ChildProcess;
let base: string;

beforeAll(async () => {
  if (!existsSync(NGINX)) {
    throw new Error(
      `nginx not found at ${NGINX}: .ci/run unpacks Debian's nginx there (or set NGINX_BIN)`,
    );
  }
  dir = mkdtempSync(join(tmpdir(), 'web-app-nginx-'));
  chmodSync(dir, 0o755); // nginx workers drop root privileges and must read the web root
  const html = join(dir, 'html');
  mkdirSync(join(html, 'assets'), { recursive: true });
  writeFileSync(join(html, 'index.html'), '<!doctype html><title>web-app</title>');
  writeFileSync(join(html, 'config.json'), '{"realm":"quarkus"}');
  writeFileSync(join(html, 'assets', 'index-Bx3f9a.js'), 'console.log(1)');

  const port = await freePort();
  const site = readFileSync(join(ROOT, 'apps/web-app/nginx.conf'), 'utf8');
  const adapted = site
    .replace(/^(\s*)listen 8080;$/m, `$1listen 127.0.0.1:${port};`)
    .replace(/^(\s*)root \/usr\/share\/nginx\/html;$/m, `$1root ${html};`);
  expect(adapted.match(new RegExp(`listen 127.0.0.1:${port};|root ${html};`, 'g'))).toHaveLength(2);
  writeFileSync(join(dir, 'site.conf'), adapted);
  writeFileSync(
    join(dir, 'nginx.conf'),
    `daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events {}
http {
  include ${MIME_TYPES};
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  include ${dir}/site.conf;
}
`,
  );
  nginx = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'inherit' });
  base = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 100; attempt++) {
    if (
      await fetch(base).then(
        () => true,
        () => false,
      )
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('nginx did not start');
});

afterAll(async () => {
  if (nginx?.exitCode === null) {
    nginx.kill('SIGQUIT');
    await once(nginx, 'exit');
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const raw = (path: string) =>
  rawRequest(base, `GET ${path} HTTP/1.1\r\nHost: demo.k8s.local\r\nConnection: close\r\n\r\n`);

describe("the web-app's nginx.conf in nginx", () => {
  it('serves the app with CSP, no framing, no sniffing, and no version in Server', async () => {
    const response = await fetch(base);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('server')).toBe('nginx');
  });

  it('answers app routes with index.html and caches hashed assets for a year', async () => {
    expect(await (await fetch(`${base}/some/route`)).text()).toContain('<title>web-app</title>');
    const asset = await fetch(`${base}/assets/index-Bx3f9a.js`);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('answers a missing asset with 404, still with every security header', async () => {
    const response = await fetch(`${base}/assets/missing.js`);
    expect(response.status).toBe(404);
    for (const name of [
      'content-security-policy',
      'x-content-type-options',
      'x-frame-options',
      'referrer-policy',
      'cross-origin-opener-policy',
      'permissions-policy',
    ])
      expect(response.headers.get(name), name).toBeTruthy();
    expect(response.headers.get('cache-control')).toBeNull();
  });

  it('answers a missing config.json with 404, not with the app page', async () => {
    const config = join(dir, 'html', 'config.json');
    renameSync(config, `${config}.away`);
    try {
      expect((await fetch(`${base}/config.json`)).status).toBe(404);
    } finally {
      renameSync(`${config}.away`, config);
    }
  });

  it.each([
    '/../../../../etc/passwd',
    '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
    '/assets/..%2f..%2f..%2f..%2fetc%2fpasswd',
    '/assets/../../../../etc/passwd',
    '/..%5c..%5c..%5cetc%5cpasswd',
  ])('never serves a file outside the web root: %s', async (path) => {
    const response = await raw(path);
    expect(response.body).not.toMatch(/root:.*:0:0:/);
    expect([200, 400, 404]).toContain(response.status);
    if (response.status === 200) expect(response.body).toContain('<title>web-app</title>');
  });
});
