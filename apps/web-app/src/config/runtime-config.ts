/** Where the web-app finds its identity provider and API, read at start from `/config.json`. */
export interface RuntimeConfig {
  /** Keycloak's base URL including the `/auth` path, e.g. `http://localhost:8080/auth`. */
  keycloakUrl: string;
  realm: string;
  clientId: string;
  /** Prefix of API calls; `''` sends them to the web-app's own origin, as behind the ingress. */
  apiBaseUrl: string;
  /**
   * Scopes to ask for at login besides `openid`, space-separated; `''` asks for none.
   * `articles-audience` adds articles to the token's audience, which web-api's forward mode needs
   * (it relays the token to articles); in exchange mode the token names web-api alone.
   */
  scope: string;
}

export const RUNTIME_CONFIG_PATH = '/config.json';

/**
 * Checks the parsed config file and resolves relative URLs against the page's origin, so the
 * cluster can say `/auth` and one build serves every host.
 */
export function parseRuntimeConfig(value: unknown, origin: string): RuntimeConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${RUNTIME_CONFIG_PATH} must hold a JSON object`);
  }
  const record = value as Record<string, unknown>;
  const problems: string[] = [];
  const text = (field: string, fallback?: string): string => {
    const raw = record[field] ?? fallback;
    if (typeof raw === 'string' && (raw !== '' || fallback === '')) return raw;
    problems.push(`"${field}" must be a${fallback === undefined ? ' non-empty' : ''} string`);
    return '';
  };
  const url = (field: string, raw: string): string => {
    try {
      return new URL(raw, origin).href.replace(/\/+$/, '');
    } catch {
      problems.push(`"${field}" is not a URL: ${raw}`);
      return '';
    }
  };
  const keycloakUrl = url('keycloakUrl', text('keycloakUrl'));
  const realm = text('realm');
  const clientId = text('clientId');
  const apiBase = text('apiBaseUrl', '');
  const apiBaseUrl = apiBase === '' ? '' : url('apiBaseUrl', apiBase);
  const scope = text('scope', '');
  if (problems.length > 0) {
    throw new Error(`${RUNTIME_CONFIG_PATH} is invalid: ${problems.join('; ')}`);
  }
  return { keycloakUrl, realm, clientId, apiBaseUrl, scope };
}

/** Fetches and checks the config file; it is never cached, so a changed ConfigMap applies at once. */
export async function loadRuntimeConfig(origin = window.location.origin): Promise<RuntimeConfig> {
  const response = await fetch(RUNTIME_CONFIG_PATH, { cache: 'no-store' });
  if (!response.ok) {
    throw new Error(`${RUNTIME_CONFIG_PATH} could not be loaded (HTTP ${response.status})`);
  }
  return parseRuntimeConfig(await response.json().catch(() => undefined), origin);
}
