import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadManifests } from './lib/manifests.ts';
import { runScript } from './lib/run-script.ts';
import { CLUSTER_TOOLS, createStubs, pathWithout } from './lib/tool-stubs.ts';

let scratch: string;
let basePath: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cns-build-images-'));
  basePath = pathWithout(join(scratch, 'path'), CLUSTER_TOOLS);
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

let runs = 0;
/**
 * Runs build-images.sh with a minikube stub that lists the files of each build context it is
 * given (`minikube image build … <context>.tar`); `status` is the exit code of `minikube status`,
 * and `null` leaves minikube off the PATH.
 */
async function buildImages(args: string[], status: number | null = 0) {
  runs += 1;
  const directory = join(scratch, `run-${runs}`);
  const contextLog = join(directory, 'context.log');
  const stubs = createStubs(
    directory,
    basePath,
    status === null
      ? {}
      : {
          minikube: [
            `if [ "$1" = status ]; then exit ${status}; fi`,
            `if [ "$1 $2" = "image build" ]; then tar -tf "\${@: -1}" >>'${contextLog}'; fi`,
          ].join('\n'),
        },
  );
  const result = await runScript('build-images.sh', args, { env: { PATH: stubs.path } });
  return {
    ...result,
    builds: stubs.calls().filter((call) => call.startsWith('minikube image build')),
    context: (await readFile(contextLog, 'utf8').catch(() => '')).split('\n').filter(Boolean),
  };
}

describe('scripts/build-images.sh', () => {
  it('builds the three images the Deployments run, each from its Dockerfile', async () => {
    const result = await buildImages([]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const manifests = loadManifests();
    const expected = ['articles', 'web-api', 'web-app'].map((app) => {
      const spec = manifests.find('Deployment', app).spec as {
        template: { spec: { containers: { image: string }[] } };
      };
      const image = spec.template.spec.containers[0]?.image ?? '';
      return expect.stringMatching(
        new RegExp(
          `^minikube image build --tag ${image} --file apps/${app}/Dockerfile \\S+\\.tar$`,
        ),
      ) as string;
    });
    expect(result.builds).toEqual(expected);
    expect(result.stdout).toContain('built cloud-native-starter/articles:1.0.0');
  });

  it('sends the sources as git sees them, without node_modules, build output or caches', async () => {
    const { context } = await buildImages(['articles']);
    for (const file of ['apps/articles/Dockerfile', 'pnpm-lock.yaml', 'packages/auth/package.json'])
      expect(context).toContain(file);
    for (const file of context) expect(file).not.toMatch(/(^|\/)(node_modules|dist|\.cache)\//);
  });

  it('builds only the apps it is given', async () => {
    const { builds } = await buildImages(['web-app']);
    expect(builds).toHaveLength(1);
    expect(builds[0]).toContain('cloud-native-starter/web-app:1.0.0');
  });

  it('refuses an unknown app before building anything', async () => {
    const result = await buildImages(['frontend']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("unknown app 'frontend': choose from articles web-api web-app");
    expect(result.builds).toEqual([]);
  });

  it('says so when minikube is missing', async () => {
    const result = await buildImages([], null);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('minikube not found');
  });

  it('says so when minikube is not running', async () => {
    const result = await buildImages([], 7);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("minikube is not running: start it with 'minikube start'");
    expect(result.builds).toEqual([]);
  });
});
