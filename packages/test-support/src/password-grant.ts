/**
 * The realm's optional client scope that adds articles to a token's audience. The web-app and the
 * labs ask for it when web-api forwards their tokens to articles (`RELAY_MODE=forward`, the
 * default); in exchange mode their tokens name web-api alone.
 */
export const ARTICLES_AUDIENCE_SCOPE = 'articles-audience';

/** How web-api reaches articles: with the caller's token, or with one it got by token exchange. */
export type RelayMode = 'forward' | 'exchange';

/**
 * The labs' password grant — `curl -d username=… -d password=… -d grant_type=password
 * -d client_id=labs-cli <token URL>`, the labs' own client — with optional extra form fields (e.g. `scope`) and headers
 * (e.g. `origin`).
 */
export function passwordGrant(
  tokenUrl: string,
  username: string,
  password = username,
  extra: Record<string, string> = {},
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(tokenUrl, {
    method: 'POST',
    headers,
    body: new URLSearchParams({
      username,
      password,
      grant_type: 'password',
      client_id: 'labs-cli',
      ...extra,
    }),
  });
}
