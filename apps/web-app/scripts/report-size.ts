import { readFileSync } from 'node:fs';
import { gzipSize, initialScriptPaths } from './initial-javascript.ts';

// The budget for the JavaScript needed before the first render, gzip-compressed.
const BUDGET_BYTES = 90_000;
const dist = new URL('../dist/', import.meta.url);

let html: string;
try {
  html = readFileSync(new URL('index.html', dist), 'utf8');
} catch {
  console.error('size: dist/index.html is missing; run `pnpm --filter @cns/web-app build` first');
  process.exit(1);
}
const paths = initialScriptPaths(html);
if (paths.length === 0) {
  console.error('size: dist/index.html loads no module script; is this a Vite build?');
  process.exit(1);
}

const kB = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;
let total = 0;
for (const path of paths) {
  const bytes = gzipSize(readFileSync(new URL(`.${path}`, dist)));
  total += bytes;
  process.stdout.write(`${kB(bytes).padStart(9)}  ${path}\n`);
}
const verdict = total <= BUDGET_BYTES ? 'within' : 'OVER';
process.stdout.write(
  `${kB(total).padStart(9)}  initial JavaScript, gzip -9 (${verdict} the ${kB(BUDGET_BYTES)} budget)\n`,
);
if (total > BUDGET_BYTES) process.exit(1);
