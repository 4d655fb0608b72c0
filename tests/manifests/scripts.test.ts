import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isAllowed } from './lib/authorization.ts';
import { deployment, podOf } from './lib/cluster.ts';
import { loadManifests, parseYaml, readRepoFile, type Manifests } from './lib/manifests.ts';
import type {
  AuthorizationPolicySpec,
  DeploymentSpec,
  JwtRule,
  KubeObject,
  RequestAuthenticationSpec,
  Typed,
} from './lib/objects.ts';
import { repoRoot } from './lib/tools.ts';

// shellcheck over every script: tests/scripts/conventions.test.ts.

/**
 * A stand-in for minikube on the PATH: it records each call and, for `image build`, the files of
 * the context archive it was given, and keeps the images it holds in FAKE_IMAGES.
 * MINIKUBE_STATUS sets the exit code of `minikube status`; with MINIKUBE_BUILD_BROKEN, `image
 * build` fails as minikube does (issues #16576, #12556): an error, no image, exit code 0.
 */
const FAKE_MINIKUBE = `#!/usr/bin/env bash
set -euo pipefail
echo "call $*" >>"$FAKE_LOG"
if [ "$1" = status ]; then exit "\${MINIKUBE_STATUS:-0}"; fi
case "$1 $2" in
  "image build")
    tar -tf "\${@: -1}" | sed 's/^/context /' >>"$FAKE_LOG"
    if [ -n "\${MINIKUBE_BUILD_BROKEN:-}" ]; then echo "ERROR: failed to solve: process did not complete successfully"; exit 0; fi
    echo "docker.io/$4" >>"$FAKE_IMAGES" ;;
  "image ls") cat "$FAKE_IMAGES" ;;
  "image tag") echo "docker.io/$4" >>"$FAKE_IMAGES" ;;
  "image rm") sed -i "\\|^docker.io/$3\\$|d" "$FAKE_IMAGES" ;;
esac
`;

/** A PATH directory with the programs build-images.sh needs, and minikube only if asked. */
function fakePath(withMinikube: boolean): string {
  const directory = mkdtempSync(join(tmpdir(), 'path-'));
  for (const program of [
    'bash',
    'git',
    'tar',
    'mktemp',
    'rm',
    'dirname',
    'sed',
    'cat',
    'grep',
    'tee',
    'tail',
    'tr',
  ])
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

function buildImages(
  args: string[],
  options: { minikube?: boolean; status?: number; broken?: boolean } = {},
) {
  const state = mkdtempSync(join(tmpdir(), 'log-'));
  const log = join(state, 'minikube.log');
  const images = join(state, 'images');
  writeFileSync(log, '');
  writeFileSync(images, '');
  const result = spawnSync(`${repoRoot}scripts/build-images.sh`, args, {
    encoding: 'utf8',
    env: {
      PATH: fakePath(options.minikube ?? true),
      FAKE_LOG: log,
      FAKE_IMAGES: images,
      MINIKUBE_STATUS: String(options.status ?? 0),
      ...(options.broken ? { MINIKUBE_BUILD_BROKEN: '1' } : {}),
      HOME: tmpdir(),
    },
  });
  const lines = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  return {
    ...result,
    builds: lines.filter((line) => line.startsWith('call image build')),
    images: readFileSync(images, 'utf8').split('\n').filter(Boolean),
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
        new RegExp(
          `^call image build --tag ${image}-candidate --file apps/${app}/Dockerfile \\S+\\.tar$`,
        ),
      ) as string;
    });
    expect(result.builds).toEqual(expected);
    expect(result.images.sort()).toEqual(
      ['articles', 'web-api', 'web-app'].map(
        (app) => `docker.io/cloud-native-starter/${app}:1.0.0`,
      ),
    );
    expect(result.stdout).toContain('built cloud-native-starter/articles:1.0.0');
  });

  it('sends the sources as git sees them, without node_modules, build output or caches', () => {
    const { context } = buildImages(['articles']);
    for (const file of ['apps/articles/Dockerfile', 'pnpm-lock.yaml', 'packages/auth/package.json'])
      expect(context).toContain(file);
    for (const file of context) expect(file).not.toMatch(/(^|\/)(node_modules|dist|\.cache)\//);
  });

  it('fails, with the build output, when minikube reports success but made no image', () => {
    const result = buildImages(['articles'], { broken: true });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      'building cloud-native-starter/articles:1.0.0 failed: minikube made no image; the build said: ERROR: failed to solve',
    );
    expect(result.stdout).not.toContain('built cloud-native-starter/articles');
    expect(result.images).toEqual([]);
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

/**
 * A stand-in for kubectl on the PATH: every cluster request succeeds, and each `apply -f FILE
 * [--selector SELECTOR]` writes the file to the next numbered file in FAKE_DIR, with the selector
 * beside it; each `delete` writes its arguments.
 */
const FAKE_KUBECTL = `#!/usr/bin/env bash
set -euo pipefail
case $1 in --request-timeout=*) shift ;; esac
step="$FAKE_DIR/$(printf '%03d' "$(find "$FAKE_DIR" -type f -not -name '*.selector' | wc -l)")"
case "$1 \${2:-}" in
  "apply -f")
    cat "$3" >"$step-apply.yaml"
    if [ "\${4:-}" = --selector ]; then echo "$5" >"$step-apply.selector"; fi
    ;;
  "delete "*) echo "$*" >"$step-delete" ;;
esac
`;

/** The objects kubectl's `--selector key=value` picks: those whose label `key` is `value`. */
function selected(objects: KubeObject[], selector: string | undefined): KubeObject[] {
  if (selector === undefined) return objects;
  const [key = '', value] = selector.split('=');
  return objects.filter((object) => object.metadata.labels?.[key] === value);
}

/** The documents each `kubectl apply` of scripts/apply-authorization.sh sends, in order. */
function appliedByApplyAuthorization(): KubeObject[][] {
  const path = mkdtempSync(join(tmpdir(), 'path-'));
  for (const program of ['bash', 'cat', 'dirname', 'find', 'wc', 'printf'])
    symlinkSync(
      spawnSync('bash', ['-c', `command -v ${program}`], { encoding: 'utf8' }).stdout.trim(),
      join(path, program),
    );
  writeFileSync(join(path, 'kubectl'), FAKE_KUBECTL);
  chmodSync(join(path, 'kubectl'), 0o755);
  const steps = mkdtempSync(join(tmpdir(), 'kubectl-'));
  const result = spawnSync(`${repoRoot}scripts/apply-authorization.sh`, [], {
    encoding: 'utf8',
    env: { PATH: path, FAKE_DIR: steps, HOME: tmpdir() },
  });
  if (result.status !== 0) throw new Error(`apply-authorization.sh failed: ${result.stderr}`);
  return readdirSync(steps)
    .sort()
    .filter((file) => file.endsWith('-apply.yaml'))
    .map((file) => {
      const text = readFileSync(join(steps, file), 'utf8');
      const selectorFile = join(steps, file.replace(/\.yaml$/, '.selector'));
      const selector = existsSync(selectorFile)
        ? readFileSync(selectorFile, 'utf8').trim()
        : undefined;
      return selected(parseYaml(text, file).filter(Boolean) as KubeObject[], selector);
    });
}

/** The cluster's Istio objects after each apply, by kind and name. */
function statesAfter(start: KubeObject[], steps: KubeObject[][]): KubeObject[][] {
  const state = new Map(start.map((o) => [`${o.kind}/${o.metadata.name}`, o]));
  return steps.map((step) => {
    for (const object of step) state.set(`${object.kind}/${object.metadata.name}`, object);
    return [...state.values()];
  });
}

describe('scripts/apply-authorization.sh (lab 7)', () => {
  let manifests: Manifests;
  beforeAll(() => {
    manifests = loadManifests();
  });

  /**
   * The steps at which istiod would fetch the signing keys (a RequestAuthentication exists) while
   * Keycloak's policies refuse a caller without mesh identity, as istiod is, the key set.
   */
  function keyFetchRefusedAt(start: KubeObject[]): number[] {
    const keycloak = podOf(deployment(manifests, 'keycloak'));
    const states = statesAfter(start, appliedByApplyAuthorization());
    expect(states.length).toBeGreaterThan(1);
    return states.flatMap((objects, step) => {
      const requests = objects.filter(
        (o) => o.kind === 'RequestAuthentication',
      ) as Typed<RequestAuthenticationSpec>[];
      const policies = objects.filter(
        (o) => o.kind === 'AuthorizationPolicy',
      ) as Typed<AuthorizationPolicySpec>[];
      const refused = requests
        .flatMap((request) => request.spec.jwtRules)
        .some((rule: JwtRule) => {
          const url = new URL(rule.jwksUri ?? '');
          return !isAllowed(policies, keycloak, { method: 'GET', path: url.pathname, port: 8080 });
        });
      return refused ? [step + 1] : [];
    });
  }

  const denyAll = () =>
    parseYaml(readRepoFile('istio/05-authorization.yaml'), '05-authorization.yaml').filter(
      (o) => (o as KubeObject).metadata.name === 'allow-nothing',
    ) as KubeObject[];

  it('lets istiod fetch the keys at every step after step 2 (allow nothing)', () => {
    expect(denyAll()).toHaveLength(1);
    expect(
      keyFetchRefusedAt(denyAll()),
      'Lab 7, step 3: applies whose key fetch Keycloak refuses',
    ).toEqual([]);
  });

  it('lets istiod fetch the keys at every step straight after lab 6', () => {
    expect(
      keyFetchRefusedAt([]),
      'Lab 7, step 3: applies whose key fetch Keycloak refuses',
    ).toEqual([]);
  });
});
