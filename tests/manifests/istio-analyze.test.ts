import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeClusterState, type AnalyzeMessage } from './lib/analyze-input.ts';
import { loadManifests, yamlFiles } from './lib/manifests.ts';
import type { DeploymentSpec, GatewaySpec } from './lib/objects.ts';
import { run, tools } from './lib/tools.ts';

const fixture = (name: string) => `tests/manifests/fixtures/analyze/${name}.yaml`;

/** k8s/ rendered, then istio/ file by file. */
let sources: string[];
/** What the labs add to the cluster: running pods with sidecars, the gateway's TLS secret. */
let clusterState: string;
beforeAll(() => {
  const manifests = loadManifests();
  const k8s = join(mkdtempSync(join(tmpdir(), 'k8s-')), 'k8s.yaml');
  writeFileSync(k8s, manifests.k8sYaml);
  sources = [k8s, ...yamlFiles('istio')];
  const gateway = manifests.named<GatewaySpec>('Gateway', 'demo-gateway');
  const host = gateway.spec.servers[0]?.hosts[0];
  if (!host) throw new Error('the gateway names no host');
  clusterState = writeClusterState(manifests.ofKind<DeploymentSpec>('Deployment'), host);
});

function istioctlAnalyze(files: string[], ...flags: string[]) {
  return run(tools.istioctl, [
    'analyze',
    '--use-kube=false',
    '--all-namespaces',
    ...flags,
    ...files,
  ]);
}

/** Every Istio analyzer, including those that need Pods, Services, Namespaces or Secrets. */
function analyzeAll(files: string[]): AnalyzeMessage[] {
  const result = run(tools.manifestCheck, ['analyze', ...files]);
  if (result.status !== 0) throw new Error(`manifest-check analyze: ${result.stderr}`);
  return JSON.parse(result.stdout) as AnalyzeMessage[];
}

describe('istioctl analyze --use-kube=false over k8s/ and istio/', () => {
  it('reports no message at all, as JSON', () => {
    const result = istioctlAnalyze([...sources, clusterState], '--output', 'json');
    expect(JSON.parse(result.stdout)).toEqual([]);
  });

  it('passes as a gate that fails on anything down to Info', () => {
    const result = istioctlAnalyze([...sources, clusterState], '--failure-threshold', 'Info');
    expect(result.stderr).toContain('No validation issues found');
    expect(result.status).toBe(0);
  });

  it('reports IST0101 for a VirtualService bound to a Gateway that does not exist', () => {
    const result = istioctlAnalyze(
      [...sources, clusterState, fixture('virtual-service-missing-gateway')],
      '--output',
      'json',
    );
    expect(JSON.parse(result.stdout)).toContainEqual(
      expect.objectContaining({ code: 'IST0101', origin: 'VirtualService demo/orphan' }),
    );
  });
});

// istioctl in file mode skips the analyzers that need Pods, Services, Namespaces or Secrets;
// manifest-check runs them all with Istio's analyzer code (as Istio's own analyzer tests do).
describe('every Istio analyzer, with the cluster state the labs create', () => {
  it('reports no message at all', () => {
    expect(analyzeAll([...sources, clusterState])).toEqual([]);
  });

  it('reports the TLS secret missing until the lab creates it', () => {
    expect(analyzeAll(sources)).toContainEqual(
      expect.objectContaining({
        code: 'IST0101',
        origin: 'Gateway demo/demo-gateway',
        message: 'Referenced credentialName not found: "demo-credential"',
      }),
    );
  });

  it('reports policies whose selector matches no running pod', () => {
    const codes = analyzeAll(sources).map((message) => `${message.code} ${message.origin}`);
    expect(codes).toContain('IST0127 AuthorizationPolicy demo/articles');
  });

  it('reports IST0101 for a route to a Service that does not exist', () => {
    expect(
      analyzeAll([...sources, clusterState, fixture('virtual-service-missing-host')]),
    ).toContainEqual(
      expect.objectContaining({
        code: 'IST0101',
        message: 'Referenced host not found: "nowhere.demo.svc.cluster.local"',
      }),
    );
  });
});

describe('istioctl validate', () => {
  it("accepts every file: Istio kinds parsed strictly and checked by istiod's own rules", () => {
    const result = run(tools.istioctl, ['validate', ...sources.flatMap((file) => ['-f', file])]);
    expect(result.status).toBe(0);
    for (const file of sources)
      expect(result.stdout + result.stderr).toContain(`"${file}" is valid`);
  });

  it('refuses an unknown field in an Istio object', () => {
    const result = run(tools.istioctl, [
      'validate',
      '-f',
      'tests/manifests/fixtures/invalid/peer-authentication-unknown-field.yaml',
    ]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('unknown field "mdoe"');
  });
});
