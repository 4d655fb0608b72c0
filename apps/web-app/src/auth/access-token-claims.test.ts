import { describe, expect, it } from 'vitest';
import { accessTokenClaims } from './access-token-claims.ts';

describe('accessTokenClaims', () => {
  it('reads the Keycloak claims of an access token', () => {
    const payload = {
      iss: 'http://localhost:8080/auth/realms/quarkus',
      aud: ['web-api', 'articles'],
      sub: 'eb4123a3-b722-4798-9af5-8957f823657a',
      azp: 'frontend',
      sid: 'abc',
      scope: 'openid profile email',
      preferred_username: 'alice',
      name: 'Alice Doe',
      realm_access: { roles: ['user'] },
      iat: 1_700_000_000,
      exp: 1_700_000_060,
    };
    expect(accessTokenClaims(payload)).toEqual({
      iss: payload.iss,
      aud: ['web-api', 'articles'],
      sub: payload.sub,
      azp: 'frontend',
      sid: 'abc',
      scope: 'openid profile email',
      preferredUsername: 'alice',
      name: 'Alice Doe',
      realmRoles: ['user'],
      iat: 1_700_000_000,
      exp: 1_700_000_060,
      all: payload,
    });
  });

  it('treats a single audience string as a list of one', () => {
    expect(accessTokenClaims({ aud: 'web-api' }).aud).toEqual(['web-api']);
  });

  it('gives a user without realm roles, like guest, an empty role list', () => {
    expect(accessTokenClaims({ preferred_username: 'guest' }).realmRoles).toEqual([]);
  });
});
