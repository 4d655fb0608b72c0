import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLUSTER_TOOLS, createStubs, pathWithout } from '@cns/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadManifests } from './lib/manifests.ts';
import { runScript } from './lib/run-script.ts';

/**
 * A stand-in for minikube: it lists the files of each build's context archive in FAKE_CONTEXT and
 * keeps the images it holds in FAKE_IMAGES. MINIKUBE_STATUS sets the exit code of `minikube
 * status`; with MINIKUBE_BUILD_BROKEN, `image build` fails as minikube does (issues #16576,
 * #12556): an error, no image, exit code 0.
 */
const MINIKUBE = `if [ "$1" = status ]; then exit "\${MINIKUBE_STATUS:-0}"; fi
case "$1 $2" in
  "image build")
    tar -tf "\${@: -1}" >>"$FAKE_CONTEXT"
    if [ -n "\${MINIKUBE_BUILD_BROKEN:-}" ]; then echo "ERROR: failed to solve: process did not complete successfully"; exit 0; fi
    echo "docker.io/$4" >>"$FAKE_IMAGES" ;;
  "image ls") cat "$FAKE_IMAGES" ;;
  "image tag") echo "docker.io/$4" >>"$FAKE_IMAGES" ;;
  "image rm") sed -i "\\|^docker.io/$3\\$|d" "$FAKE_IMAGES" ;;
esac`;

const APPS = ['articles', 'web-api', 'web-app'];
let scratch: string;
let basePath: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cns-build-images-'));
  basePath = pathWithout(join(scratch, 'path'), CLUSTER_TOOLS);
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

let runs = 0;
async function buildImages(
  args: string[],
  options: { minikube?: boolean; status?: number; broken?: boolean } = {},
) {
  runs += 1;
  const directory = join(scratch, `run-${runs}`);
  const stubs = createStubs(
    directory,
    basePath,
    options.minikube === false ? {} : { minikube: MINIKUBE },
  );
  const context = join(directory, 'context');
  const images = join(directory, 'images');
  await writeFile(context, '');
  await writeFile(images, '');
  const result = await runScript('build-images.sh', args, {
    env: {
      PATH: stubs.path,
      FAKE_CONTEXT: context,
      FAKE_IMAGES: images,
      MINIKUBE_STATUS: String(options.status ?? 0),
      MINIKUBE_BUILD_BROKEN: options.broken ? '1' : undefined,
    },
    timeoutMs: 60_000,
  });
  const lines = async (file: string) => (await readFile(file, 'utf8')).split('\n').filter(Boolean);
  return {
    ...result,
    builds: stubs.calls().filter((call) => call.startsWith('minikube image build')),
    images: await lines(images),
    context: await lines(context),
  };
}

describe('scripts/build-images.sh', () => {
  it('builds the three images the Deployments run, each from its Dockerfile', async () => {
    const manifests = loadManifests();
    const result = await buildImages([]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const images = APPS.map((app) => {
      const spec = manifests.find('Deployment', app).spec as {
        template: { spec: { containers: { image: string }[] } };
      };
      return spec.template.spec.containers[0]?.image ?? '';
    });
    expect(result.builds).toEqual(
      APPS.map(
        (app, i) =>
          expect.stringMatching(
            new RegExp(
              `^minikube image build --tag ${images[i]}-candidate --file apps/${app}/Dockerfile \\S+\\.tar$`,
            ),
          ) as string,
      ),
    );
    expect(result.images.sort()).toEqual(images.map((image) => `docker.io/${image}`).sort());
    expect(result.stdout).toContain(`built ${images[0]}`);
  });

  it('sends the sources as git sees them, without node_modules, build output or caches', async () => {
    const { context } = await buildImages(['articles']);
    for (const file of ['apps/articles/Dockerfile', 'pnpm-lock.yaml', 'packages/auth/package.json'])
      expect(context).toContain(file);
    for (const file of context) expect(file).not.toMatch(/(^|\/)(node_modules|dist|\.cache)\//);
  });

  it('fails, with the build output, when minikube reports success but made no image', async () => {
    const result = await buildImages(['articles'], { broken: true });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'building cloud-native-starter/articles:1.0.0 failed: minikube made no image; the build said: ERROR: failed to solve',
    );
    expect(result.stdout).not.toContain('built cloud-native-starter/articles');
    expect(result.images).toEqual([]);
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
    const result = await buildImages([], { minikube: false });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('minikube not found');
  });

  it('says so when minikube is not running', async () => {
    const result = await buildImages([], { status: 7 });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("minikube is not running: start it with 'minikube start'");
    expect(result.builds).toEqual([]);
  });
});
