import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadManifests, type Manifests } from './lib/manifests.ts';
import type { DeploymentSpec } from './lib/objects.ts';
import { repoRoot, run } from './lib/tools.ts';

const shellcheckHint = 'install shellcheck (Debian: apt-get install shellcheck)';

/** Every shell script of the repository: scripts/, the CI entry point and our installer. */
function shellScripts(): string[] {
  const underScripts = readdirSync(`${repoRoot}scripts`, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(repoRoot.length))
    .filter(
      (file) => file.endsWith('.sh') || readFileSync(`${repoRoot}${file}`, 'utf8').startsWith('#!'),
    );
  return [...underScripts, '.ci/run', 'tests/manifests/install-tools.sh'].sort();
}

describe('shellcheck', () => {
  it('finds nothing in any script', () => {
    const scripts = shellScripts();
    expect(scripts).toContain('scripts/build-images.sh');
    const result = run('shellcheck', ['--external-sources', ...scripts], { hint: shellcheckHint });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('reports an unquoted expansion (SC2086), so a clean run means something', () => {
    const result = run('shellcheck', ['tests/manifests/fixtures/invalid/unquoted.sh'], {
      hint: shellcheckHint,
    });
    expect(result.status).not.toBe(0);
    expect(result.stdout).toContain('SC2086');
  });
});

/**
 * A stand-in for minikube on the PATH: it records each call and, for `image build`, the files of
 * the context archive it was given. MINIKUBE_STATUS sets the exit code of `minikube status`.
 */
const FAKE_MINIKUBE = `#!/usr/bin/env bash
set -euo pipefail
echo "call $*" >>"$FAKE_LOG"
if [ "$1" = status ]; then exit "\${MINIKUBE_STATUS:-0}"; fi
if [ "$1 $2" = "image build" ]; then
  tar -tf "\${@: -1}" | sed 's/^/context /' >>"$FAKE_LOG"
fi
`;

/** A PATH directory with the programs build-images.sh needs, and minikube only if asked. */
function fakePath(withMinikube: boolean): string {
  const directory = mkdtempSync(join(tmpdir(), 'path-'));
  for (const program of ['bash', 'git', 'tar', 'mktemp', 'rm', 'dirname', 'sed', 'cat'])
    symlinkSync(
      spawnSync('bash', ['-c', `command -v ${program}`], { encoding: 'utf8' }).stdout.trim(),
      join(directory, program),
    );
  if (withMinikube) {
    writeFileSync(join(directory, 'minikube'), FAKE_MINIKUBE);
    chmodSync(join(directory, 'minikube'), 0o755);
  }
  return directory;
}

function buildImages(args: string[], options: { minikube?: boolean; status?: number } = {}) {
  const log = join(mkdtempSync(join(tmpdir(), 'log-')), 'minikube.log');
  writeFileSync(log, '');
  const result = spawnSync(`${repoRoot}scripts/build-images.sh`, args, {
    encoding: 'utf8',
    env: {
      PATH: fakePath(options.minikube ?? true),
      FAKE_LOG: log,
      MINIKUBE_STATUS: String(options.status ?? 0),
      HOME: tmpdir(),
    },
  });
  const lines = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  return {
    ...result,
    builds: lines.filter((line) => line.startsWith('call image build')),
    context: lines.filter((line) => line.startsWith('context ')).map((line) => line.slice(8)),
  };
}

describe('scripts/build-images.sh', () => {
  let manifests: Manifests;
  beforeAll(() => {
    manifests = loadManifests();
  });

  it('builds the three images the Deployments run, each from its Dockerfile', () => {
    const result = buildImages([]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const expected = ['articles', 'web-api', 'web-app'].map((app) => {
      const image = manifests.named<DeploymentSpec>('Deployment', app).spec.template.spec
        .containers[0]?.image;
      return expect.stringMatching(
        new RegExp(`^call image build --tag ${image} --file apps/${app}/Dockerfile \\S+\\.tar$`),
      ) as string;
    });
    expect(result.builds).toEqual(expected);
    expect(result.stdout).toContain('built cloud-native-starter/articles:1.0.0');
  });

  it('sends the sources as git sees them, without node_modules, build output or caches', () => {
    const { context } = buildImages(['articles']);
    for (const file of ['apps/articles/Dockerfile', 'pnpm-lock.yaml', 'packages/auth/package.json'])
      expect(context).toContain(file);
    for (const file of context) expect(file).not.toMatch(/(^|\/)(node_modules|dist|\.cache)\//);
  });

  it('builds only the apps it is given', () => {
    const { builds } = buildImages(['web-app']);
    expect(builds).toHaveLength(1);
    expect(builds[0]).toContain('cloud-native-starter/web-app:1.0.0');
  });

  it('refuses an unknown app before building anything', () => {
    const result = buildImages(['frontend']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("unknown app 'frontend': choose from articles web-api web-app");
    expect(result.builds).toEqual([]);
  });

  it('says so when minikube is missing', () => {
    const result = buildImages([], { minikube: false });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('minikube not found');
  });

  it('says so when minikube is not running', () => {
    const result = buildImages([], { status: 7 });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("minikube is not running: start it with 'minikube start'");
    expect(result.builds).toEqual([]);
  });
});
