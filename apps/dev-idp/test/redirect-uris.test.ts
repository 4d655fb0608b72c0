import { describe, expect, it } from 'vitest';
import { allowedOrigins, redirectUriAllowed } from '../src/redirect-uris.ts';

describe('redirect URIs follow Keycloak', () => {
  it.each<[string[], string, boolean]>([
    [['http://localhost:5173/'], 'http://localhost:5173/', true],
    [['http://localhost:5173/'], 'http://localhost:5173/other', false],
    [['http://localhost:5173/'], 'http://localhost:5173', false],
    [['http://localhost:5173/*'], 'http://localhost:5173/deep/link?x=1', true],
    [['http://localhost:5173/*'], 'http://localhost:51730/', false],
    [['*'], 'https://evil.example/', false],
    [[], 'http://localhost:5173/', false],
  ])('%j allows %s: %s', (registered, candidate, allowed) => {
    expect(redirectUriAllowed(registered, candidate)).toBe(allowed);
  });

  it('takes "+" in web origins to mean the origins of the redirect URIs, and never "*"', () => {
    expect([
      ...allowedOrigins(['+', '*', 'https://a.example'], ['http://localhost:5173/']),
    ]).toEqual(['http://localhost:5173', 'https://a.example']);
  });
});
