export type BrowserSession = ReturnType<typeof browserSession>;

/**
 * Just enough of a browser for a login over HTTP: a cookie jar and manual redirects.
 *
 * @example
 * const browser = browserSession();
 * const { url, response } = await browser.follow(authorizeUrl, 'http://localhost:5173/');
 */
export function browserSession() {
  const cookies = new Map<string, string>();
  async function request(url: string, init: RequestInit = {}): Promise<Response> {
    const cookie = [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), ...(cookie && { cookie }) },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const index = pair.indexOf('=');
      const name = pair.slice(0, index).trim();
      // Keycloak clears cookies with Max-Age=0; sending them back empty would differ from a browser.
      if (attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute)))
        cookies.delete(name);
      else cookies.set(name, pair.slice(index + 1));
    }
    return response;
  }
  /** Follows redirects until a response is not one, or leaves the given origin. */
  async function follow(
    url: string,
    stopAt: string,
    init: RequestInit = {},
  ): Promise<{ url: string; response: Response }> {
    let current = url;
    let response = await request(current, init);
    for (let hops = 0; response.status >= 300 && response.status < 400 && hops < 10; hops++) {
      current = new URL(response.headers.get('location') ?? '', current).href;
      if (current.startsWith(stopAt)) return { url: current, response };
      response = await request(current);
    }
    return { url: current, response };
  }
  /** Submits a form as a browser does: an url-encoded POST, then {@link follow}. */
  function submitForm(url: string, stopAt: string, fields: URLSearchParams | string) {
    return follow(url, stopAt, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: fields,
    });
  }
  return { request, follow, submitForm };
}
