import { gzipSync } from 'node:zlib';

/**
 * The JavaScript a browser loads before the app can start: the module scripts of the built
 * index.html and the modules it preloads. Lazily imported chunks are not part of it.
 */
export function initialScriptPaths(html: string): string[] {
  const paths = new Set<string>();
  for (const [tag = ''] of html.matchAll(/<(?:script|link)\b[^>]*>/g)) {
    const attribute = (name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
    const isModuleScript = tag.startsWith('<script') && attribute('type') === 'module';
    const isPreload = tag.startsWith('<link') && attribute('rel') === 'modulepreload';
    const path = isModuleScript ? attribute('src') : isPreload ? attribute('href') : undefined;
    if (path) paths.add(path);
  }
  return [...paths];
}

/** Bytes on the wire with gzip at its highest level, as a server would precompress them. */
export function gzipSize(content: Buffer): number {
  return gzipSync(content, { level: 9 }).length;
}
