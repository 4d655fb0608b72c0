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

// What nginx serves with this file (routing, caching, headers on errors) is tested against a real
// nginx in tests/reliability/web-app-server.test.ts; here, the policy's contents.
describe("the Content-Security-Policy of the web-app's nginx.conf", () => {
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
