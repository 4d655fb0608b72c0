import type { Ignore } from '@balena/dockerignore';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadManifests, readRepoFile, type Manifests } from './lib/manifests.ts';
import type { DeploymentSpec } from './lib/objects.ts';
import { repoRoot, run, tools } from './lib/tools.ts';

const APPS = ['articles', 'web-api', 'web-app'] as const;

// A CommonJS module whose typings declare an ES default export: load it as what it is.
const ignore = createRequire(import.meta.url)('@balena/dockerignore') as () => Ignore;

interface Instruction {
  keyword: string;
  args: string;
}

/** Dockerfile instructions, continuation lines joined, comments dropped; one list per stage. */
function stages(dockerfile: string): Instruction[][] {
  const lines = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const result: Instruction[][] = [];
  for (const line of lines) {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const instruction = { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    if (instruction.keyword === 'FROM') result.push([]);
    result.at(-1)?.push(instruction);
  }
  return result;
}

const dockerfile = (app: string) => readRepoFile(`apps/${app}/Dockerfile`);
const finalStage = (app: string) => stages(dockerfile(app)).at(-1) ?? [];
const args = (stage: Instruction[], keyword: string) =>
  stage.filter((instruction) => instruction.keyword === keyword).map((i) => i.args);

let manifests: Manifests;
beforeAll(() => {
  manifests = loadManifests();
});

describe.each(APPS)('the %s image', (app) => {
  it('passes hadolint', () => {
    const result = run(tools.hadolint, ['--no-color', `apps/${app}/Dockerfile`]);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('builds in one stage and ships from another, on base images pinned to a version', () => {
    const all = stages(dockerfile(app));
    expect(all.length).toBeGreaterThanOrEqual(2);
    for (const stage of all) {
      const from = stage[0]?.args.split(' ')[0] ?? '';
      expect(from).toMatch(/^[a-z0-9./-]+:\d+\.\d+\.\d+-[a-z0-9.-]+$/);
    }
  });

  it('ships only build output from the build stage, never the sources or node_modules', () => {
    const copies = args(finalStage(app), 'COPY');
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) {
      expect(copy).not.toMatch(/node_modules|^\.\s|\s\.\s/);
      if (copy.startsWith('--from=')) expect(copy).toMatch(/\/dist(\/main\.js)?\s/);
    }
  });

  it('runs as the non-root user and listens on the port the Deployment declares', () => {
    const pod = manifests.named<DeploymentSpec>('Deployment', app).spec.template.spec;
    const [user] = args(finalStage(app), 'USER');
    expect(user).toBe(`${pod.securityContext?.runAsUser}:${pod.securityContext?.runAsGroup}`);
    const ports = (pod.containers[0]?.ports ?? []).map((port) => String(port.containerPort));
    expect(args(finalStage(app), 'EXPOSE')).toEqual(ports);
  });

  it('has no HEALTHCHECK: the Kubernetes probes check health', () => {
    expect(
      stages(dockerfile(app))
        .flat()
        .map((i) => i.keyword),
    ).not.toContain('HEALTHCHECK');
  });

  it('is the image the Deployment runs', () => {
    const image = manifests.named<DeploymentSpec>('Deployment', app).spec.template.spec
      .containers[0]?.image;
    expect(image).toBe(`cloud-native-starter/${app}:1.0.0`);
  });
});

describe('hadolint', () => {
  it('reports an unpinned base image (DL3007), so a clean run means something', () => {
    const result = run(tools.hadolint, [
      '--no-color',
      'tests/manifests/fixtures/docker/Dockerfile.unpinned',
    ]);
    expect(result.status).not.toBe(0);
    expect(result.stdout).toContain('DL3007');
  });
});

describe('the build context (.dockerignore)', () => {
  const context = ignore().add(readFileSync(`${repoRoot}.dockerignore`, 'utf8'));
  const sent = (path: string) => !context.ignores(path);

  it.each([
    'package.json',
    'pnpm-lock.yaml',
    'pnpm-workspace.yaml',
    'tsconfig.base.json',
    'apps/articles/package.json',
    'apps/articles/src/main.ts',
    'apps/web-api/src/main.ts',
    'packages/service-kit/package.json',
    'packages/service-kit/src/index.ts',
    'apps/web-app/index.html',
    'apps/web-app/nginx.conf',
    'apps/web-app/vite.config.ts',
    'apps/web-app/public/config.json',
    'apps/web-app/src/main.ts',
  ])('sends %s', (path) => {
    expect(sent(path)).toBe(true);
  });

  it.each([
    'node_modules/vitest/package.json',
    'apps/articles/node_modules/express/package.json',
    'apps/articles/dist/main.js',
    'apps/articles/local.env',
    'apps/articles/test/articles.test.ts',
    'packages/auth/test/verify.test.ts',
    'apps/web-app/src/App.test.ts',
    '.git/config',
    '.cache/tools/bin/istioctl',
    'k8s/keycloak/quarkus-realm.json',
    'tests/reliability/chain.test.ts',
    'README.md',
  ])('leaves out %s', (path) => {
    expect(sent(path)).toBe(false);
  });

  it('sends every file the Dockerfiles copy from the context', () => {
    for (const app of APPS)
      for (const copy of stages(dockerfile(app)).flatMap((stage) => args(stage, 'COPY')))
        if (!copy.startsWith('--from=') && !copy.startsWith('. ')) {
          const source = copy.split(/\s+/)[0] ?? '';
          expect(sent(source), `${app}: COPY ${source}`).toBe(true);
        }
  });
});
