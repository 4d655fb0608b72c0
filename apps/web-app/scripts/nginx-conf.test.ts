// @vitest-environment node
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nginxHeaders, withCspSources } from './nginx-headers.ts';

const conf = readFileSync(new URL('../nginx.conf', import.meta.url), 'utf8');
const headers = nginxHeaders(conf);
const csp = new Map(
  (headers['Content-Security-Policy'] ?? '').split(';').map((directive) => {
    const [name = '', ...sources] = directive.trim().split(/\s+/);
    return [name, sources];
  }),
);
const location = (path: string) =>
  new RegExp(`location ${path} \\{([^}]*)\\}`).exec(conf)?.[1]?.trim();

describe('nginx.conf for the web-app container', () => {
  it('listens on 8080, which needs no root privileges', () => {
    expect(conf).toMatch(/^\s*listen 8080;$/m);
  });

  it('answers every unknown path with index.html (the single-page app)', () => {
    expect(location('/')).toBe('try_files $uri /index.html;');
  });

  it('answers a missing asset or config file with 404 instead of the app page', () => {
    expect(location('/assets/')).toBe('try_files $uri =404;');
    expect(location('= /config.json')).toBe('try_files $uri =404;');
  });

  it('caches hashed assets for a year and makes everything else revalidate', () => {
    expect(conf).toMatch(/~\^\/assets\/\s+"public, max-age=31536000, immutable";/);
    expect(conf).toMatch(/default\s+"no-cache";/);
    // Without `always`, error answers (a 404 for an asset) carry no caching header.
    expect(conf).toMatch(/^\s*add_header Cache-Control \$web_app_cache_control;$/m);
  });

  it('sends a Content-Security-Policy without inline code, eval or wildcards', () => {
    expect(csp.get('default-src')).toEqual(["'none'"]);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('style-src')).toEqual(["'self'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp.get('base-uri')).toEqual(["'none'"]);
    for (const sources of csp.values()) {
      for (const source of sources) expect(source).toMatch(/^('self'|'none'|https:\/\/[\w.-]+)$/);
    }
  });

  it('lets keycloak-js reach Keycloak behind the ingress', () => {
    expect(csp.get('connect-src')).toEqual(["'self'", 'https://demo.k8s.local']);
  });

  it('sends the security headers on every answer, errors included', () => {
    for (const name of [
      'Content-Security-Policy',
      'X-Content-Type-Options',
      'X-Frame-Options',
      'Referrer-Policy',
      'Cross-Origin-Opener-Policy',
      'Permissions-Policy',
    ]) {
      expect(conf).toMatch(new RegExp(`^\\s*add_header ${name} "[^"]+" always;$`, 'm'));
    }
    expect(headers['X-Content-Type-Options']).toBe('nosniff');
  });
});

describe('withCspSources', () => {
  it('adds sources to one directive, once', () => {
    expect(
      withCspSources("default-src 'none'; connect-src 'self'", 'connect-src', [
        'http://localhost:8080',
        "'self'",
      ]),
    ).toBe("default-src 'none'; connect-src 'self' http://localhost:8080");
  });

  it('refuses a policy without that directive rather than widening default-src', () => {
    expect(() => withCspSources("default-src 'none'", 'connect-src', ['https://x'])).toThrow(
      'the policy has no connect-src directive',
    );
  });
});
