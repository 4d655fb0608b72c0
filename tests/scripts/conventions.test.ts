import { accessSync, constants, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ROOT, run } from './lib/run-script.ts';

const scripts = readdirSync(`${ROOT}scripts`)
  .filter((name) => name.endsWith('.sh'))
  .sort();
const libraries = readdirSync(`${ROOT}scripts/lib`)
  .filter((name) => name.endsWith('.sh'))
  .map((name) => `scripts/lib/${name}`);
const testScripts = readdirSync(`${ROOT}tests/scripts`)
  .filter((name) => name.endsWith('.sh'))
  .map((name) => `tests/scripts/${name}`);
const VERBS = [
  'apply',
  'build',
  'check',
  'clean',
  'create',
  'decode',
  'deploy',
  'get',
  'report',
  'setup',
  'start',
  'stop',
  'test',
];

describe('shellcheck', () => {
  const shellcheck = (files: string[]) =>
    run('shellcheck', ['--external-sources', ...files]).catch((error: NodeJS.ErrnoException) => {
      throw new Error(
        error.code === 'ENOENT'
          ? 'shellcheck is not installed: apt-get install shellcheck (or brew install shellcheck)'
          : String(error),
      );
    });

  it('finds nothing in any shell script, following what each sources', async () => {
    const result = await shellcheck([
      ...scripts.map((name) => `scripts/${name}`),
      ...libraries,
      ...testScripts,
      '.ci/run',
      'tests/manifests/install-tools.sh',
    ]);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('reports an unquoted expansion (SC2086), so a clean run means something', async () => {
    const result = await shellcheck(['tests/scripts/fixtures/unquoted.sh']);
    expect(result.code).not.toBe(0);
    expect(result.stdout).toContain('SC2086');
  });
});

describe('every script in scripts/', () => {
  it('is found', () => {
    expect(scripts).toContain('get-token.sh');
    expect(scripts.length).toBeGreaterThan(10);
  });

  it.each(scripts)('%s is an executable bash script that stops at the first failure', (script) => {
    const path = `${ROOT}scripts/${script}`;
    expect(() => accessSync(path, constants.X_OK)).not.toThrow();
    const text = readFileSync(path, 'utf8');
    expect(text.startsWith('#!/usr/bin/env bash\n')).toBe(true);
    expect(text).toMatch(/^set -euo pipefail$/m);
  });

  // The labs promise it, and a script that ignored --help would start doing its work instead.
  it.each(scripts)('%s prints its usage for --help and does nothing else', async (script) => {
    const help = await run(`${ROOT}scripts/${script}`, ['--help'], { timeoutMs: 10_000 });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(
      new RegExp(`^Usage: scripts/${script.replace('.', '\\.')}\\b`, 'm'),
    );
    expect(help.stderr).toBe('');
  });

  it.each(scripts)('%s is named after what it does: a verb first', (script) => {
    expect(VERBS).toContain(script.split('-')[0]);
  });
});
