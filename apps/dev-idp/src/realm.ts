import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';

// The subset of Keycloak's realm representation this IdP understands. Unknown fields are ignored,
// as Keycloak's import does, so the one file serves both.
const credential = z.object({
  type: z.string(),
  value: z.string().optional(),
  temporary: z.boolean().optional(),
});

const user = z.object({
  id: z.uuid(),
  username: z.string().min(1),
  enabled: z.boolean().default(true),
  email: z.string().optional(),
  emailVerified: z.boolean().default(false),
  firstName: z.string().optional(),
  lastName: z.string().optional(),
  credentials: z.array(credential).default([]),
  realmRoles: z.array(z.string()).default([]),
});

const protocolMapper = z.object({
  protocolMapper: z.string(),
  config: z.record(z.string(), z.string()).default({}),
});

const clientScope = z.object({
  name: z.string().min(1),
  attributes: z.record(z.string(), z.string()).default({}),
  protocolMappers: z.array(protocolMapper).default([]),
});

const client = z.object({
  clientId: z.string().min(1),
  name: z.string().optional(),
  enabled: z.boolean().default(true),
  publicClient: z.boolean().default(false),
  bearerOnly: z.boolean().default(false),
  /** A confidential client's secret; `${NAME}` takes it from the environment, as Keycloak does. */
  secret: z.string().optional(),
  standardFlowEnabled: z.boolean().default(true),
  directAccessGrantsEnabled: z.boolean().default(false),
  redirectUris: z.array(z.string()).default([]),
  webOrigins: z.array(z.string()).default([]),
  attributes: z.record(z.string(), z.string()).default({}),
  protocolMappers: z.array(protocolMapper).default([]),
  /** Absent: the realm's `defaultDefaultClientScopes`, as Keycloak's import assigns them. */
  defaultClientScopes: z.array(z.string()).optional(),
  optionalClientScopes: z.array(z.string()).default([]),
});

const realmFile = z.object({
  realm: z.string().min(1),
  displayName: z.string().optional(),
  enabled: z.boolean().default(true),
  loginWithEmailAllowed: z.boolean().default(true),
  accessTokenLifespan: z.number().int().positive().default(300),
  ssoSessionIdleTimeout: z.number().int().positive().default(1800),
  /** Keycloak's refresh token rotation: a refresh token works once (with `refreshTokenMaxReuse` 0). */
  revokeRefreshToken: z.boolean().default(false),
  users: z.array(user).default([]),
  clientScopes: z.array(clientScope).default([]),
  defaultDefaultClientScopes: z.array(z.string()).default([]),
  clients: z.array(client).default([]),
});

export type RealmUser = z.output<typeof user>;

/** A client scope of the realm, as far as it shapes an access token here. */
export interface ClientScope {
  name: string;
  /** Whether Keycloak names the scope in the token's `scope` claim (`include.in.token.scope`). */
  inTokenScope: boolean;
  /** From the scope's audience mappers. */
  audiences: string[];
}

/** A client of the realm that gets tokens, with Keycloak's settings resolved. */
export interface RealmClient {
  clientId: string;
  name: string;
  /** A confidential client's secret; undefined for a public client. */
  secret: string | undefined;
  /** Keycloak's "standard token exchange" (RFC 8693) switch. */
  standardTokenExchangeEnabled: boolean;
  directAccessGrantsEnabled: boolean;
  standardFlowEnabled: boolean;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  webOrigins: string[];
  /**
   * What goes into `aud` of every access token of the client: its own audience mappers and those
   * of its default client scopes.
   */
  audiences: string[];
  /** Scopes every token of the client gets, in the realm file's order. */
  defaultScopes: ClientScope[];
  /** Scopes the client may ask for with the `scope` parameter, adding their audiences. */
  optionalScopes: ClientScope[];
}

export interface Realm {
  readonly name: string;
  readonly displayName: string;
  readonly accessTokenLifespan: number;
  readonly ssoSessionIdleTimeout: number;
  /** Whether each refresh hands out a new refresh token and spends the old one. */
  readonly revokeRefreshToken: boolean;
  readonly clients: readonly RealmClient[];
  /** Every enabled client, including those that only receive tokens: the audiences one may ask for. */
  readonly clientIds: ReadonlySet<string>;
  findUser(id: string): RealmUser | undefined;
  /** The enabled user with this username (or email, when the realm allows it) and password. */
  authenticate(login: string, password: string): RealmUser | undefined;
}

export interface RealmOverrides {
  accessTokenLifespan?: number | undefined;
  /**
   * Values for the file's `${NAME}` placeholders, as Keycloak's import reads them from its
   * environment. A confidential client whose secret stays unresolved is left out: it cannot log in.
   */
  variables?: Readonly<Record<string, string | undefined>>;
}

/** Reads a Keycloak realm export and keeps what the development IdP needs. */
export async function loadRealm(path: string, overrides: RealmOverrides = {}): Promise<Realm> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new Error(`cannot read realm file ${path}: ${(cause as Error).message}`, { cause });
  }
  return toRealm(json, overrides);
}

export function toRealm(json: unknown, overrides: RealmOverrides = {}): Realm {
  const parsed = realmFile.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.')}: ${issue.message}`,
    );
    throw new Error(`realm file is not valid: ${problems.join('; ')}`);
  }
  const file = parsed.data;
  const users = file.users.filter((candidate) => candidate.enabled);
  const byId = new Map(users.map((candidate) => [candidate.id, candidate]));
  const scopes = new Map(file.clientScopes.map((scope) => [scope.name, toClientScope(scope)]));
  // Keycloak's import only warns about a scope it does not know, and the token silently lacks
  // its claims; here the file is refused.
  const scopesNamed = (clientId: string, names: readonly string[]) =>
    names.map((name) => {
      const found = scopes.get(name);
      if (!found) {
        throw new Error(
          `realm file is not valid: client ${clientId} names client scope ${name}, which the realm does not define`,
        );
      }
      return found;
    });

  return {
    name: file.realm,
    displayName: file.displayName ?? file.realm,
    accessTokenLifespan: overrides.accessTokenLifespan ?? file.accessTokenLifespan,
    ssoSessionIdleTimeout: file.ssoSessionIdleTimeout,
    revokeRefreshToken: file.revokeRefreshToken,
    clients: file.clients
      .filter((candidate) => candidate.enabled && !candidate.bearerOnly)
      .map((candidate) =>
        toClient(candidate, overrides.variables ?? {}, {
          defaultScopes: scopesNamed(
            candidate.clientId,
            candidate.defaultClientScopes ?? file.defaultDefaultClientScopes,
          ),
          optionalScopes: scopesNamed(candidate.clientId, candidate.optionalClientScopes),
        }),
      )
      .filter((candidate) => candidate.secret !== ''),
    clientIds: new Set(file.clients.filter((c) => c.enabled).map((c) => c.clientId)),
    findUser: (id) => byId.get(id),
    authenticate(login, password) {
      const found = users.find(
        (candidate) =>
          candidate.username === login || (file.loginWithEmailAllowed && candidate.email === login),
      );
      const secret = found?.credentials.find((entry) => entry.type === 'password')?.value;
      return secret !== undefined && sameSecret(secret, password) ? found : undefined;
    },
  };
}

const unique = (values: string[]) => [...new Set(values)];

function sameSecret(expected: string, given: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(expected), digest(given));
}

function toClientScope(source: z.output<typeof clientScope>): ClientScope {
  return {
    name: source.name,
    // Keycloak's default for a scope without the attribute.
    inTokenScope: source.attributes['include.in.token.scope'] !== 'false',
    audiences: mappedAudiences(source.protocolMappers),
  };
}

function mappedAudiences(mappers: z.output<typeof protocolMapper>[]): string[] {
  return mappers
    .filter((mapper) => mapper.protocolMapper === 'oidc-audience-mapper')
    .filter((mapper) => mapper.config['access.token.claim'] !== 'false')
    .map(
      (mapper) =>
        mapper.config['included.custom.audience'] ?? mapper.config['included.client.audience'],
    )
    .filter((audience): audience is string => Boolean(audience));
}

function toClient(
  source: z.output<typeof client>,
  variables: Readonly<Record<string, string | undefined>>,
  { defaultScopes, optionalScopes }: Pick<RealmClient, 'defaultScopes' | 'optionalScopes'>,
): RealmClient {
  const logout = source.attributes['post.logout.redirect.uris'];
  return {
    clientId: source.clientId,
    name: source.name ?? source.clientId,
    // '' marks a confidential client without a usable secret; the caller leaves it out.
    secret: source.publicClient ? undefined : resolvePlaceholder(source.secret ?? '', variables),
    standardTokenExchangeEnabled: source.attributes['standard.token.exchange.enabled'] === 'true',
    directAccessGrantsEnabled: source.directAccessGrantsEnabled,
    standardFlowEnabled: source.standardFlowEnabled,
    redirectUris: source.redirectUris,
    // Keycloak: "+" means "the redirect URIs", entries are separated by "##".
    postLogoutRedirectUris:
      logout === undefined || logout === '+'
        ? source.redirectUris
        : logout.split('##').filter(Boolean),
    webOrigins: source.webOrigins,
    audiences: unique([
      ...mappedAudiences(source.protocolMappers),
      ...defaultScopes.flatMap((scope) => scope.audiences),
    ]),
    defaultScopes,
    optionalScopes,
  };
}

/**
 * Keycloak's import replaces `${NAME}` (and `${NAME:default}`) with the environment variable; a
 * value that is nothing but an unresolved placeholder becomes '' here, so it can never be the
 * literal text a reader of the repository would guess.
 */
function resolvePlaceholder(
  value: string,
  variables: Readonly<Record<string, string | undefined>>,
): string {
  const match = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([^}]*))?\}$/.exec(value);
  if (!match) return value;
  const [, name = '', fallback] = match;
  return variables[name] || fallback || '';
}
