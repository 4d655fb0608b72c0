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
