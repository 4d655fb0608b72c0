/**
 * The response headers nginx.conf adds with a fixed value, so a local server can answer with the
 * same Content-Security-Policy and security headers as the container. Headers whose value holds an
 * nginx variable (the per-path Cache-Control) are left out.
 */
export function nginxHeaders(conf: string): Record<string, string> {
  const headers: Record<string, string> = {};
  const directive = /^\s*add_header\s+([\w-]+)\s+"([^"]*)"(?:\s+always)?\s*;/gm;
  for (const [, name = '', value = ''] of conf.matchAll(directive)) {
    if (!value.includes('$')) headers[name] = value;
  }
  return headers;
}

/** Adds sources to one directive of a Content-Security-Policy, e.g. a local IdP's origin. */
export function withCspSources(policy: string, directive: string, sources: string[]): string {
  let found = false;
  const directives = policy.split(';').map((part) => {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name !== directive) return part.trim();
    found = true;
    return [name, ...values, ...sources.filter((source) => !values.includes(source))].join(' ');
  });
  if (!found) throw new Error(`the policy has no ${directive} directive`);
  return directives.filter(Boolean).join('; ');
}
