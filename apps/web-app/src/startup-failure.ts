/** Without config or session there is no app to mount: say so in the page, in plain text. */
export function showStartupFailure(error: unknown): void {
  const message =
    error instanceof Error ? error.message : (describeKeycloakError(error) ?? String(error));
  const heading = document.createElement('h1');
  heading.textContent = 'The web-app could not start';
  const detail = document.createElement('p');
  detail.textContent = message;
  const retry = document.createElement('a');
  retry.href = '/';
  retry.textContent = 'Try again';
  const box = document.createElement('div');
  box.className = 'startup-failure';
  box.setAttribute('role', 'alert');
  box.append(heading, detail, retry);
  document.querySelector('#app')?.replaceChildren(box);
  console.error('web-app start failed:', message);
}

// keycloak-js rejects with the identity provider's `{error, error_description}` on a failed login.
function describeKeycloakError(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { error: code, error_description: description } = error as Record<string, unknown>;
  if (typeof code !== 'string') return undefined;
  return typeof description === 'string' ? `${code}: ${description}` : code;
}
