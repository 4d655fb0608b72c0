/**
 * Keycloak's rule for valid redirect URIs: an exact match, or a prefix match when the registered
 * value ends in `*`. A bare `*` would allow any site and is refused.
 */
export function redirectUriAllowed(registered: readonly string[], candidate: string): boolean {
  return registered.some((pattern) => {
    if (pattern === '*') return false;
    return pattern.endsWith('*')
      ? candidate.startsWith(pattern.slice(0, -1))
      : candidate === pattern;
  });
}

/** Keycloak's web origins: exact origins; `+` means the origins of the redirect URIs. */
export function allowedOrigins(
  webOrigins: readonly string[],
  redirectUris: readonly string[],
): Set<string> {
  const origins = new Set<string>();
  for (const origin of webOrigins) {
    if (origin === '+') {
      for (const uri of redirectUris) if (URL.canParse(uri)) origins.add(new URL(uri).origin);
    } else if (origin !== '*') {
      origins.add(origin);
    }
  }
  return origins;
}
