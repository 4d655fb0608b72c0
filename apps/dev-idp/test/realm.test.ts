import { describe, expect, it } from 'vitest';
import { requestedScopes } from '../src/keycloak-claims.ts';
import { toRealm } from '../src/realm.ts';

// How the realm file's client scopes shape the clients, as Keycloak's import reads them; the
// parity suite checks the tokens that follow against Keycloak itself.
const audience = (name: string) => ({
  protocolMapper: 'oidc-audience-mapper',
  config: { 'included.custom.audience': name, 'access.token.claim': 'true' },
});
const file = (client: Record<string, unknown>) => ({
  realm: 'test',
  clientScopes: [
    { name: 'profile', attributes: { 'include.in.token.scope': 'true' } },
    { name: 'roles', attributes: { 'include.in.token.scope': 'false' } },
    { name: 'api-audience', protocolMappers: [audience('api')] },
  ],
  defaultDefaultClientScopes: ['profile', 'roles'],
  clients: [{ clientId: 'app', publicClient: true, ...client }],
});
const onlyClient = (client: Record<string, unknown>) => {
  const [found] = toRealm(file(client)).clients;
  if (!found) throw new Error('no client');
  return found;
};

describe('client scopes in the realm file', () => {
  it("gives a client without its own list the realm's default scopes", () => {
    const client = onlyClient({});
    expect(client.defaultScopes.map((scope) => scope.name)).toEqual(['profile', 'roles']);
    expect(client.defaultScopes.map((scope) => scope.inTokenScope)).toEqual([true, false]);
    expect(client.optionalScopes).toEqual([]);
  });

  it("counts a default scope's audiences as the client's own, beside its mappers", () => {
    const client = onlyClient({
      defaultClientScopes: ['api-audience'],
      protocolMappers: [audience('self')],
    });
    expect(client.audiences).toEqual(['self', 'api']);
  });

  it("keeps an optional scope's audiences for the requests that name it", () => {
    const client = onlyClient({ optionalClientScopes: ['api-audience'] });
    expect(client.audiences).toEqual([]);
    // A scope without the attribute goes into the token's scope claim, as in Keycloak.
    expect(client.optionalScopes).toEqual([
      { name: 'api-audience', inTokenScope: true, audiences: ['api'] },
    ]);
  });

  it('refuses a file whose client names a scope the realm does not define', () => {
    expect(() => toRealm(file({ optionalClientScopes: ['typo'] }))).toThrow(
      'realm file is not valid: client app names client scope typo, which the realm does not define',
    );
  });
});

describe('requestedScopes', () => {
  const client = onlyClient({ optionalClientScopes: ['api-audience'] });

  it('keeps openid and the optional scopes asked for; default scopes change nothing', () => {
    expect(requestedScopes(client, 'openid profile api-audience')).toEqual({
      valid: true,
      names: ['openid', 'api-audience'],
    });
    expect(requestedScopes(client, undefined)).toEqual({ valid: true, names: [] });
  });

  it('refuses the whole request for one scope the client does not have', () => {
    expect(requestedScopes(client, 'openid nope')).toEqual({ valid: false });
  });
});
