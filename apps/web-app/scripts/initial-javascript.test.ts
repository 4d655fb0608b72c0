// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { gzipSize, initialScriptPaths } from './initial-javascript.ts';

describe('initialScriptPaths', () => {
  it('lists the entry module and the modules it preloads, not stylesheets or lazy chunks', () => {
    const html = `<!doctype html><html><head>
      <script type="module" crossorigin src="/assets/index-abc.js"></script>
      <link rel="modulepreload" crossorigin href="/assets/vendor-def.js">
      <link rel="stylesheet" crossorigin href="/assets/index-123.css">
      <link rel="icon" href="/favicon.svg">
    </head><body><script>/* inline */</script></body></html>`;
    expect(initialScriptPaths(html)).toEqual(['/assets/index-abc.js', '/assets/vendor-def.js']);
  });
});

describe('gzipSize', () => {
  it('measures the compressed size, far below the original for repetitive code', () => {
    const content = Buffer.from('const answer = 42;\n'.repeat(200));
    const size = gzipSize(content);
    expect(size).toBeLessThan(content.length / 10);
    expect(size).toBeGreaterThan(0);
  });
});
