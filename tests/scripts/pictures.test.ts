import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONTROLS, renderRequestPaths } from '../../docs/images/request-paths.ts';
import { ROOT } from './lib/run-script.ts';

const SVG = 'docs/images/request-paths.svg';

describe('the request-paths picture', () => {
  it('is the SVG its source renders (regenerate with: node docs/images/request-paths.ts)', () => {
    expect(readFileSync(`${ROOT}${SVG}`, 'utf8')).toBe(renderRequestPaths());
  });

  it('numbers every control it marks, and names the lab that applies it', () => {
    const svg = renderRequestPaths();
    const marked = new Set(
      [...svg.matchAll(/class="marker-number">(\d+)</g)].map(([, number]) => Number(number)),
    );
    expect([...marked].sort()).toEqual(CONTROLS.map((_, index) => index + 1));
    for (const control of CONTROLS) expect(control).toMatch(/\(lab \d+(, optional)?\)$/);
  });

  it('is shown in the README and in labs 3, 6 and 7', () => {
    const uses: Record<string, string> = {
      'README.md': SVG,
      'docs/labs/03-https-ingress.md': '../images/request-paths.svg',
      'docs/labs/06-strict-mtls.md': '../images/request-paths.svg',
      'docs/labs/07-istio-authorization.md': '../images/request-paths.svg',
    };
    for (const [file, path] of Object.entries(uses)) {
      expect(readFileSync(`${ROOT}${file}`, 'utf8'), file).toMatch(
        new RegExp(`!\\[[^\\]]+\\]\\(${path.replace(/[.]/g, '\\.')}\\)`),
      );
    }
  });
});
