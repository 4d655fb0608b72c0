const entities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => entities[char] ?? char);
}

/** Pages of this IdP allow no scripts, frames or foreign resources. */
export const PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'";

const STYLE = `
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: #1675fd0d; }
  main { width: min(24rem, 100% - 2rem); padding: 2rem; border-radius: .5rem; background: Canvas;
         box-shadow: 0 .25rem 1rem #0002; }
  h1 { font-size: 1.4rem; margin: 0 0 .5rem; }
  .notice { font-size: .85rem; opacity: .75; margin: 0 0 1.5rem; }
  label { display: block; margin: 1rem 0 .25rem; font-weight: 600; }
  input { box-sizing: border-box; width: 100%; padding: .6rem; font: inherit; border: 1px solid #8888; border-radius: .25rem; }
  button { margin-top: 1.5rem; width: 100%; padding: .7rem; font: inherit; font-weight: 600; color: #fff;
           background: #1675fd; border: 0; border-radius: .25rem; cursor: pointer; }
  button:focus-visible, input:focus-visible { outline: 3px solid #1675fd88; outline-offset: 2px; }
  .error { color: #c9190b; margin-top: .5rem; }
`;

/** A complete page: the realm's name in the title, as Keycloak does. */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body><main>${body}</main></body>
</html>`;
}
