import { escapeHtml, page } from './html.ts';

export interface LoginPageOptions {
  realmTitle: string;
  clientName: string;
  action: string;
  username?: string;
  failed?: boolean;
}

/**
 * Keycloak 26's login form, reduced to what tests and people use. The element ids are Keycloak's
 * (`kc-form-login`, `username`, `password`, `kc-login`, `input-error-username`), so one browser
 * test drives both identity providers.
 */
export function loginPage({
  realmTitle,
  clientName,
  action,
  username = '',
  failed = false,
}: LoginPageOptions) {
  const error = failed
    ? `<div id="input-error-username" class="error" role="alert" aria-live="polite"><span id="input-error">Invalid username or password.</span></div>`
    : '';
  return page(
    `Sign in to ${realmTitle}`,
    `<h1 id="kc-page-title">Sign in to your account</h1>
<p class="notice">Development identity provider for ${escapeHtml(clientName)}. Not Keycloak, never deployed.</p>
<form id="kc-form-login" method="post" action="${escapeHtml(action)}" novalidate>
  <label for="username">Username or email</label>
  <input id="username" name="username" type="text" value="${escapeHtml(username)}" autocomplete="username" autofocus
    ${failed ? 'aria-invalid="true" aria-describedby="input-error-username"' : ''}>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password"
    ${failed ? 'aria-invalid="true"' : ''}>
  ${error}
  <button id="kc-login" name="login" type="submit">Sign In</button>
</form>`,
  );
}
