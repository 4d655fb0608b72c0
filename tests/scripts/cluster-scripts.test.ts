import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadManifests } from './lib/manifests.ts';
import { ROOT, run, runScript } from './lib/run-script.ts';
import { CLUSTER_TOOLS, createStubs, pathWithout, type Stubs } from './lib/tool-stubs.ts';

// There is no cluster here: these tests check what the cluster scripts ask kubectl, istioctl and
// minikube to do (stubs record it), and how they fail. kubectl's offline work (rendering k8s/ with
// kustomize, a Secret with --dry-run=client) is done by the real kubectl.

const manifests = loadManifests();
const CLUSTER_SCRIPTS = [
  'setup-istio.sh',
  'deploy-keycloak.sh',
  'deploy-services.sh',
  'apply-strict-mtls.sh',
  'apply-authorization.sh',
  'clean-up.sh',
];

let scratch: string;
let basePath: string;
let realKubectl: string;
let images: string[];
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cns-cluster-scripts-'));
  basePath = pathWithout(join(scratch, 'path'), CLUSTER_TOOLS);
  realKubectl = (await run('bash', ['-c', 'command -v kubectl'])).stdout.trim();
  const rendered = await run(realKubectl, ['kustomize', `${ROOT}k8s`]);
  images = [...rendered.stdout.matchAll(/image: (cloud-native-starter\/\S+)/g)].map(
    (match) => match[1] ?? '',
  );
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

let stubCount = 0;
/** A cluster where everything exists and succeeds, unless `overrides` (bash case arms) say otherwise. */
function workingCluster(overrides: string[] = [], tools: { minikube?: string } = {}): Stubs {
  stubCount += 1;
  return createStubs(join(scratch, `cluster-${stubCount}`), basePath, {
    kubectl: [
      'case "$*" in',
      ...overrides,
      `  kustomize*) exec '${realKubectl}' "$@" ;;`,
      '  "config current-context") echo minikube ;;',
      '  *"get namespace demo -o jsonpath={.metadata.labels.istio-injection}") printf enabled ;;',
      '  *" get virtualservice "*) exit 1 ;;',
      '  *) echo ok ;;',
      'esac',
    ].join('\n'),
    istioctl: 'echo ok',
    minikube:
      tools.minikube ??
      `[ "$*" = "--profile minikube image ls" ] && printf 'docker.io/%s\\n' ${images.join(' ')}; exit 0`,
  });
}

const kubectlCalls = (stubs: Stubs) =>
  stubs
    .calls()
    .filter((call) => call.startsWith('kubectl '))
    .map((call) => call.replace('kubectl --request-timeout=10s ', 'kubectl '))
    .filter((call) => !/^kubectl (get namespace default|config current-context)/.test(call));

describe('the cluster scripts', () => {
  it.each(CLUSTER_SCRIPTS)(
    '%s explains itself with --help and refuses unknown arguments',
    async (script) => {
      const help = await runScript(script, ['--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: scripts/${script}`);
      const bad = await runScript(script, ['--no-such-option'], { env: { PATH: basePath } });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain("unknown argument '--no-such-option'");
    },
  );

  it.each(CLUSTER_SCRIPTS)(
    '%s exits 2 and says what to install when a tool is missing',
    async (script) => {
      const result = await runScript(script, [], { env: { PATH: basePath } });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/(kubectl|istioctl) not found: (install it|download Istio)/);
    },
  );

  it.each(CLUSTER_SCRIPTS)(
    '%s exits 1 and says how to start a cluster when none answers',
    async (script) => {
      const stubs = createStubs(join(scratch, `down-${script}`), basePath, {
        kubectl:
          '[ "$*" = "config current-context" ] && echo minikube; [ "$*" = "config current-context" ]',
        istioctl: 'echo ok',
      });
      const result = await runScript(script, [], { env: { PATH: stubs.path } });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        "no Kubernetes cluster answers (kubectl context: minikube): start one with 'minikube start' (lab 1)",
      );
    },
  );
});

describe('scripts/setup-istio.sh', () => {
  it('checks the cluster, installs the demo profile, waits for it, and creates the namespace with injection', async () => {
    const stubs = workingCluster();
    const result = await runScript('setup-istio.sh', [], { env: { PATH: stubs.path } });
    expect(result.code, result.stderr).toBe(0);
    const calls = stubs.calls();
    expect(calls).toContain('istioctl x precheck');
    // A one-minute key refresh, so the mesh follows a key rotation of Keycloak (istio/README.md).
    expect(calls).toContain(
      'istioctl install --set profile=demo --set values.pilot.env.PILOT_JWT_PUB_KEY_REFRESH_INTERVAL=1m --skip-confirmation',
    );
    for (const deployment of ['istiod', 'istio-ingressgateway', 'istio-egressgateway']) {
      expect(calls).toContain(
        `kubectl rollout status deployment/${deployment} --namespace istio-system --timeout 300s`,
      );
    }
    expect(kubectlCalls(stubs)).toContain(`kubectl apply -f ${ROOT}k8s/namespace.yaml`);
    expect(manifests.find('Namespace', 'demo').metadata.labels?.['istio-injection']).toBe(
      'enabled',
    );
  });

  it('fails when the namespace comes out without sidecar injection', async () => {
    const stubs = workingCluster([
      '  *"get namespace demo -o jsonpath={.metadata.labels.istio-injection}") ;;',
    ]);
    const result = await runScript('setup-istio.sh', [], { env: { PATH: stubs.path } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("the namespace demo has istio-injection='', not 'enabled'");
  });
});

describe('scripts/deploy-keycloak.sh', () => {
  it('generates both passwords once, applies configuration, PostgreSQL and Keycloak, and waits for each', async () => {
    const stubs = workingCluster(['  *"get secret "*) exit 1 ;;']);
    const result = await runScript('deploy-keycloak.sh', [], { env: { PATH: stubs.path } });
    expect(result.code, result.stderr).toBe(0);
    const calls = kubectlCalls(stubs);
    const create = calls.find((call) =>
      call.startsWith('kubectl create secret generic keycloak-admin'),
    );
    expect(create).toMatch(
      /^kubectl create secret generic keycloak-admin --namespace demo --from-literal=username=admin --from-literal=password=[A-Za-z0-9]{24,}$/,
    );
    expect(
      calls.find((call) => call.startsWith('kubectl create secret generic keycloak-db')),
    ).toMatch(
      /^kubectl create secret generic keycloak-db --namespace demo --from-literal=username=keycloak --from-literal=password=[A-Za-z0-9]{24,}$/,
    );
    expect(
      calls.find((call) => call.startsWith('kubectl create secret generic web-api-client')),
    ).toMatch(
      /^kubectl create secret generic web-api-client --namespace demo --from-literal=secret=[0-9a-f]{64}$/,
    );
    const order = [
      `kubectl apply -k ${ROOT}k8s --selector !app`,
      `kubectl apply -k ${ROOT}k8s --selector app=postgres`,
      'kubectl rollout status deployment/postgres --namespace demo --timeout 600s',
      `kubectl apply -k ${ROOT}k8s --selector app=keycloak`,
      'kubectl rollout status deployment/keycloak --namespace demo --timeout 600s',
    ];
    expect(calls.filter((call) => order.includes(call))).toEqual(order);
    expect(result.stderr).toContain('the ingress is not set up, so the realm was not checked');
  });

  it('keeps existing secrets, and with them the database login', async () => {
    const stubs = workingCluster();
    const result = await runScript('deploy-keycloak.sh', [], { env: { PATH: stubs.path } });
    expect(result.code, result.stderr).toBe(0);
    expect(kubectlCalls(stubs).some((call) => call.includes('create secret'))).toBe(false);
    expect(result.stderr).toContain('keeping the secret keycloak-admin');
    expect(result.stderr).toContain('keeping the secret keycloak-db');
  });

  it('needs the namespace of lab 2', async () => {
    const stubs = workingCluster(['  *"get namespace demo -o name"*) exit 1 ;;']);
    const result = await runScript('deploy-keycloak.sh', [], { env: { PATH: stubs.path } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('run scripts/setup-istio.sh first (lab 2)');
  });
});

describe("deploy-keycloak.sh's label selectors, applied by the real kubectl to k8s/", () => {
  let discovery: Server;
  let server: string;
  beforeAll(async () => {
    // kubectl needs the API's discovery documents even for --dry-run=client; nothing else is asked.
    const rendered = parseAllDocuments(
      (await run(realKubectl, ['kustomize', `${ROOT}k8s`])).stdout,
    ).map((document) => document.toJS() as { apiVersion: string; kind: string });
    const groups = new Map<string, Set<string>>();
    for (const { apiVersion, kind } of rendered) {
      groups.set(apiVersion, (groups.get(apiVersion) ?? new Set()).add(kind));
    }
    const resources = (apiVersion: string) =>
      [...(groups.get(apiVersion) ?? [])].map((kind) => ({
        name: `${kind.toLowerCase()}s`,
        singularName: kind.toLowerCase(),
        namespaced: kind !== 'Namespace',
        kind,
        verbs: ['create', 'get', 'list', 'patch'],
      }));
    const grouped = [...groups.keys()].filter((version) => version.includes('/'));
    discovery = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const send = (status: number, body: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (path === '/api') return send(200, { kind: 'APIVersions', versions: ['v1'] });
      if (path === '/api/v1')
        return send(200, {
          kind: 'APIResourceList',
          groupVersion: 'v1',
          resources: resources('v1'),
        });
      if (path === '/apis')
        return send(200, {
          kind: 'APIGroupList',
          apiVersion: 'v1',
          groups: grouped.map((groupVersion) => {
            const [name, version] = groupVersion.split('/');
            const preferred = { groupVersion, version };
            return { name, versions: [preferred], preferredVersion: preferred };
          }),
        });
      const version = path.replace(/^\/apis\//, '');
      if (groups.has(version))
        return send(200, {
          kind: 'APIResourceList',
          groupVersion: version,
          resources: resources(version),
        });
      return send(404, {
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        reason: 'NotFound',
        code: 404,
      });
    });
    await new Promise<void>((resolve) => discovery.listen(0, '127.0.0.1', resolve));
    server = `http://127.0.0.1:${(discovery.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => discovery.close(resolve)));

  it('together select Keycloak, its database and everything they reference, and none of the services', async () => {
    const stubs = workingCluster();
    await runScript('deploy-keycloak.sh', [], { env: { PATH: stubs.path } });
    const selectors = kubectlCalls(stubs)
      .map((call) => /^kubectl apply -k \S+ --selector (\S+)$/.exec(call)?.[1])
      .filter((selector): selector is string => selector !== undefined);
    expect(selectors).toHaveLength(3);

    const selected = new Set<string>();
    for (const selector of selectors) {
      const result = await run(realKubectl, [
        'apply',
        '-k',
        `${ROOT}k8s`,
        '--selector',
        selector,
        '--dry-run=client',
        '--output',
        'name',
        '--validate=false',
        '--server',
        server,
      ]);
      expect(result.code, result.stderr).toBe(0);
      for (const name of result.stdout.split('\n').filter(Boolean)) selected.add(name);
    }
    const rendered = parseAllDocuments(
      (await run(realKubectl, ['kustomize', `${ROOT}k8s`])).stdout,
    ).map(
      (document) => document.toJS() as { kind: string; metadata: { name: string }; spec?: unknown },
    );
    const keycloak = rendered.find(
      (object) => object.kind === 'Deployment' && object.metadata.name === 'keycloak',
    );
    const references = [
      ...JSON.stringify(keycloak).matchAll(/"(?:configMapRef|configMap)":\{"name":"([^"]+)"/g),
    ].map((match) => `configmap/${match[1]}`);
    expect(references.length).toBeGreaterThan(0);
    for (const needed of [
      'namespace/demo',
      'serviceaccount/postgres',
      'service/postgres',
      'persistentvolumeclaim/postgres-data',
      'deployment.apps/postgres',
      'serviceaccount/keycloak',
      'service/keycloak',
      'deployment.apps/keycloak',
      ...references,
    ]) {
      expect([...selected], needed).toContain(needed);
    }
    for (const service of ['articles', 'web-api', 'web-app']) {
      expect([...selected]).not.toContain(`deployment.apps/${service}`);
    }
  });
});

describe('scripts/deploy-services.sh', () => {
  it('applies k8s/ and the DestinationRules, then waits for every service', async () => {
    const stubs = workingCluster();
    const result = await runScript('deploy-services.sh', [], { env: { PATH: stubs.path } });
    expect(result.code, result.stderr).toBe(0);
    expect(kubectlCalls(stubs)).toEqual(
      expect.arrayContaining([
        `kubectl apply -k ${ROOT}k8s`,
        `kubectl apply -f ${ROOT}istio/02-destination-rules.yaml`,
        'kubectl rollout status deployment/articles --namespace demo --timeout 300s',
        'kubectl rollout status deployment/web-api --namespace demo --timeout 300s',
        'kubectl rollout status deployment/web-app --namespace demo --timeout 300s',
      ]),
    );
    expect(images).toHaveLength(3);
  });

  it('refuses to deploy when minikube lacks an image, and names the script that builds them', async () => {
    const stubs = workingCluster([], { minikube: 'exit 0' });
    const result = await runScript('deploy-services.sh', [], { env: { PATH: stubs.path } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `minikube has no image ${images[0]}: run scripts/build-images.sh first`,
    );
    expect(kubectlCalls(stubs).some((call) => call.startsWith('kubectl apply'))).toBe(false);
  });

  it('needs Keycloak from lab 4', async () => {
    const stubs = workingCluster(['  *"get deployment keycloak"*) exit 1 ;;']);
    const result = await runScript('deploy-services.sh', [], { env: { PATH: stubs.path } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('run scripts/deploy-keycloak.sh first (lab 4)');
  });
});

describe('scripts/apply-strict-mtls.sh', () => {
  it('applies istio/03-mtls-strict.yaml, and deletes it with --revert', async () => {
    const apply = workingCluster();
    expect((await runScript('apply-strict-mtls.sh', [], { env: { PATH: apply.path } })).code).toBe(
      0,
    );
    expect(kubectlCalls(apply)).toContain(`kubectl apply -f ${ROOT}istio/03-mtls-strict.yaml`);

    const revert = workingCluster();
    expect(
      (await runScript('apply-strict-mtls.sh', ['--revert'], { env: { PATH: revert.path } })).code,
    ).toBe(0);
    expect(kubectlCalls(revert)).toContain(
      `kubectl delete -f ${ROOT}istio/03-mtls-strict.yaml --ignore-not-found`,
    );
    const strict = manifests.ofKind('PeerAuthentication').find((object) => !object.spec?.selector);
    expect((strict?.spec?.mtls as { mode?: string } | undefined)?.mode).toBe('STRICT');
    expect(strict?.source).toBe('istio/03-mtls-strict.yaml');
  });
});

describe('scripts/apply-authorization.sh', () => {
  const jwt = `${ROOT}istio/04-request-authentication.yaml`;
  const policies = `${ROOT}istio/05-authorization.yaml`;

  /** The names of the file's AuthorizationPolicies whose label `lab-step` is `step`. */
  const labelled = (step: string | undefined) =>
    manifests
      .ofKind('AuthorizationPolicy')
      .filter(
        (policy) =>
          policy.source === 'istio/05-authorization.yaml' &&
          policy.metadata.labels?.['lab-step'] === step,
      )
      .map((policy) => policy.metadata.name);

  it("applies Keycloak's policies, then the token checks, then the policies that require a request principal", async () => {
    const stubs = workingCluster();
    const result = await runScript('apply-authorization.sh', [], { env: { PATH: stubs.path } });
    expect(result.code, result.stderr).toBe(0);
    expect(labelled('identity-provider')).toEqual(['keycloak', 'postgres']);
    const calls = kubectlCalls(stubs);
    const first = `kubectl apply -f ${policies} --selector lab-step=identity-provider`;
    expect(calls.indexOf(first)).toBeGreaterThanOrEqual(0);
    expect(calls.indexOf(first)).toBeLessThan(calls.indexOf(`kubectl apply -f ${jwt}`));
    expect(calls.indexOf(`kubectl apply -f ${jwt}`)).toBeLessThan(
      calls.indexOf(`kubectl apply -f ${policies}`),
    );
  });

  it('--deny-all applies only allow-nothing, then removes the allow rules', async () => {
    const stubs = workingCluster();
    const result = await runScript('apply-authorization.sh', ['--deny-all'], {
      env: { PATH: stubs.path },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(labelled('deny-all')).toEqual(['allow-nothing']);
    const calls = kubectlCalls(stubs);
    const apply = `kubectl apply -f ${policies} --selector lab-step=deny-all`;
    const remove = `kubectl delete -f ${policies} --selector lab-step!=deny-all --ignore-not-found`;
    expect(calls).toContain(apply);
    expect(calls.indexOf(apply)).toBeLessThan(calls.indexOf(remove));
  });

  it('--revert deletes the policies, then the token checks', async () => {
    const stubs = workingCluster();
    const result = await runScript('apply-authorization.sh', ['--revert'], {
      env: { PATH: stubs.path },
    });
    expect(result.code, result.stderr).toBe(0);
    const calls = kubectlCalls(stubs);
    expect(
      calls.indexOf(`kubectl delete -f ${policies} --ignore-not-found`),
    ).toBeGreaterThanOrEqual(0);
    expect(calls.indexOf(`kubectl delete -f ${policies} --ignore-not-found`)).toBeLessThan(
      calls.indexOf(`kubectl delete -f ${jwt} --ignore-not-found`),
    );
  });
});

describe('scripts/clean-up.sh', () => {
  it('deletes every istio/ file in reverse order, then k8s/ and the TLS secret; Istio stays', async () => {
    const stubs = workingCluster();
    const result = await runScript('clean-up.sh', [], { env: { PATH: stubs.path } });
    expect(result.code, result.stderr).toBe(0);
    const deletes = kubectlCalls(stubs).filter((call) => call.startsWith('kubectl delete'));
    expect(deletes).toEqual([
      ...[...manifests.istioFiles]
        .reverse()
        .map((file) => `kubectl delete -f ${ROOT}${file} --ignore-not-found`),
      `kubectl delete -k ${ROOT}k8s --ignore-not-found --timeout 300s`,
      'kubectl delete secret demo-credential --namespace istio-system --ignore-not-found',
    ]);
    expect(stubs.calls().some((call) => call.startsWith('istioctl uninstall'))).toBe(false);
  });

  it('uninstalls Istio with --istio, and skips istio/ when its resource types are gone', async () => {
    const stubs = workingCluster([
      '  *"get crd authorizationpolicies.security.istio.io"*) exit 1 ;;',
    ]);
    const result = await runScript('clean-up.sh', ['--istio'], { env: { PATH: stubs.path } });
    expect(result.code, result.stderr).toBe(0);
    expect(stubs.calls()).toContain('istioctl uninstall --purge --skip-confirmation');
    expect(kubectlCalls(stubs).some((call) => call.includes('delete -f'))).toBe(false);
  });
});
