import { createHash, randomBytes } from 'node:crypto';
import { browserSession } from './browser-session.ts';
import type { IdentityProvider } from './identity-provider.ts';

/** The web-app's local origin, one of the realm's exact redirect URIs for `frontend`. */
export const LOCAL_APP_URL = 'http://localhost:5173/';

export interface LoginPage {
  status: number;
  html: string;
}

/** What a form submission led to: the login page again, or the redirect back to the app. */
export type LoginResult = { page: LoginPage } | { callback: URL };

/**
 * A browser's authorization-code login with PKCE S256, as keycloak-js performs it, driven over
 * HTTP through the login form's element ids so that it works against both identity providers.
 * `params` override the authorization request's parameters; an empty value leaves one out.
 */
export async function startLogin(idp: IdentityProvider, params: Record<string, string> = {}) {
  const browser = browserSession();
  const verifier = randomBytes(32).toString('base64url');
  const nonce = randomBytes(8).toString('hex');
  const query = Object.entries({
    client_id: 'frontend',
    redirect_uri: LOCAL_APP_URL,
    response_type: 'code',
    scope: 'openid',
    state: randomBytes(8).toString('hex'),
    nonce,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    ...params,
  }).filter(([, value]) => value !== '');
  const authorizeUrl = `${idp.issuer}/protocol/openid-connect/auth?${new URLSearchParams(query).toString()}`;
  const { url, response } = await browser.follow(authorizeUrl, LOCAL_APP_URL);
  let current: LoginPage = { status: response.status, html: await response.text() };
  let at = url;

  return {
    nonce,
    /** The browser, with the IdP's cookies. */
    browser,
    /** The authorization request, to send again. */
    authorizeUrl,
    /** Where the authorization request ended: the login page's URL, or the app's callback. */
    landedAt: url,
    page: () => current,
    /** Fills `#username` and `#password` of `#kc-form-login` and submits it like `#kc-login`. */
    async submit(username: string, password: string): Promise<LoginResult> {
      const action = new URL(formAction(current.html), at).href;
      const result = await browser.submitForm(
        action,
        LOCAL_APP_URL,
        new URLSearchParams({ username, password, credentialId: '' }),
      );
      if (result.url.startsWith(LOCAL_APP_URL)) return { callback: new URL(result.url) };
      at = result.url;
      current = { status: result.response.status, html: await result.response.text() };
      return { page: current };
    },
    /** Redeems the code from the callback at the token endpoint with the PKCE verifier. */
    exchange(callback: URL, headers: Record<string, string> = {}) {
      return fetch(idp.tokenUrl, {
        method: 'POST',
        headers,
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          client_id: 'frontend',
          code: callback.searchParams.get('code') ?? '',
          redirect_uri: LOCAL_APP_URL,
          code_verifier: verifier,
        }),
      });
    },
  };
}

/** The `action` of `<form id="kc-form-login">`, HTML entities decoded. */
export function formAction(html: string): string {
  const form = /<form\b[^>]*\bid="kc-form-login"[^>]*>/.exec(html)?.[0];
  const action = form && /\baction="([^"]*)"/.exec(form)?.[1];
  if (!action) throw new Error('the page has no <form id="kc-form-login" action="…">');
  return action.replaceAll('&amp;', '&').replaceAll('&#x3D;', '=').replaceAll('&#61;', '=');
}

/** The ids of every element on the page. */
export function elementIds(html: string): Set<string> {
  return new Set([...html.matchAll(/\bid="([^"]+)"/g)].map(([, id = '']) => id));
}
