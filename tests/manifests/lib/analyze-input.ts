import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { DeploymentSpec, Typed } from './objects.ts';
import { run } from './tools.ts';

/**
 * What the cluster holds besides our files once the labs ran, for `istioctl analyze
 * --use-kube=false`: one running Pod per Deployment, with the sidecar Istio injects (analyze looks
 * at Pods, not Deployments), and the TLS secret the lab creates for the gateway, with a freshly
 * generated certificate for the gateway's host (analyze parses and checks it).
 */
export function writeClusterState(deployments: Typed<DeploymentSpec>[], host: string): string {
  const directory = mkdtempSync(join(tmpdir(), 'analyze-'));
  const key = join(directory, 'tls.key');
  const cert = join(directory, 'tls.crt');
  const openssl = run(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${host}`,
      '-addext',
      `subjectAltName=DNS:${host}`,
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { hint: 'install openssl (Debian: apt-get install openssl)' },
  );
  if (openssl.status !== 0) throw new Error(`openssl: ${openssl.stderr}`);
  const base64 = (file: string) => readFileSync(file).toString('base64');
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: { name: 'demo-credential', namespace: 'istio-system' },
    data: { 'tls.crt': base64(cert), 'tls.key': base64(key) },
  };
  const pods = deployments.map((deployment) => podOf(deployment));
  const file = join(directory, 'cluster-state.yaml');
  writeFileSync(file, [secret, ...pods].map((object) => stringify(object)).join('---\n'));
  return file;
}

function podOf(deployment: Typed<DeploymentSpec>): object {
  const { template } = deployment.spec;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${deployment.metadata.name}-0`,
      namespace: deployment.metadata.namespace,
      labels: template.metadata.labels,
      annotations: { 'sidecar.istio.io/status': '{"containers":["istio-proxy"]}' },
    },
    spec: {
      ...template.spec,
      containers: [
        ...template.spec.containers,
        { name: 'istio-proxy', image: 'registry.istio.io/release/proxyv2:1.31.1' },
      ],
    },
  };
}

/** One finding of `istioctl analyze -o json`. */
export interface AnalyzeMessage {
  code: string;
  level: 'Error' | 'Warning' | 'Info';
  message: string;
  origin: string;
  reference?: string;
}
