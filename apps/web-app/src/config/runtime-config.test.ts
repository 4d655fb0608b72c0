import { describe, expect, it } from 'vitest';
import { parseRuntimeConfig } from './runtime-config.ts';

const ORIGIN = 'https://demo.k8s.local';
const local = {
  keycloakUrl: 'http://localhost:8080/auth',
  realm: 'quarkus',
  clientId: 'frontend',
  apiBaseUrl: '',
  scope: 'articles-audience',
};

describe('the runtime configuration', () => {
  it('accepts the local config file as it is', () => {
    expect(parseRuntimeConfig(local, 'http://localhost:5173')).toEqual(local);
  });

  it('resolves a relative Keycloak URL against the page, so one file fits any host', () => {
    const config = parseRuntimeConfig({ ...local, keycloakUrl: '/auth/' }, ORIGIN);
    expect(config.keycloakUrl).toBe('https://demo.k8s.local/auth');
  });

  it('calls the API on the page’s own origin when apiBaseUrl is empty or absent', () => {
    expect(parseRuntimeConfig({ ...local, apiBaseUrl: undefined }, ORIGIN).apiBaseUrl).toBe('');
    expect(parseRuntimeConfig(local, ORIGIN).apiBaseUrl).toBe('');
  });

  it('asks for no further scope when scope is empty or absent, as in exchange mode', () => {
    expect(parseRuntimeConfig({ ...local, scope: undefined }, ORIGIN).scope).toBe('');
    expect(parseRuntimeConfig({ ...local, scope: '' }, ORIGIN).scope).toBe('');
  });

  it('accepts another API origin', () => {
    const config = parseRuntimeConfig({ ...local, apiBaseUrl: 'https://api.example.org/' }, ORIGIN);
    expect(config.apiBaseUrl).toBe('https://api.example.org');
  });

  it('names every missing or invalid field at once', () => {
    expect(() =>
      parseRuntimeConfig({ keycloakUrl: 'http://[::1', realm: 3, scope: ['a'] }, ORIGIN),
    ).toThrow(
      '/config.json is invalid: "keycloakUrl" is not a URL: http://[::1; "realm" must be a non-empty string; "clientId" must be a non-empty string; "scope" must be a string',
    );
  });

  it('refuses a file that is not a JSON object', () => {
    expect(() => parseRuntimeConfig([local], ORIGIN)).toThrow(
      '/config.json must hold a JSON object',
    );
  });
});
