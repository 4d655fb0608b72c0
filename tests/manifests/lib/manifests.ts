import { readdirSync, readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import type { KubeObject, Typed } from './objects.ts';
import { repoRoot, run, tools } from './tools.ts';

/**
 * Parses YAML the way kubectl does: YAML 1.1 (`yes` and `on` are booleans, `0644` is octal),
 * duplicate keys refused. Any error or warning throws, naming the file.
 */
export function parseYaml(text: string, source: string): unknown[] {
  const documents = parseAllDocuments(text, { version: '1.1', uniqueKeys: true });
  const list = Array.isArray(documents) ? documents : [documents];
  const values: unknown[] = [];
  for (const document of list) {
    const problems = [...document.errors, ...document.warnings];
    if (problems.length > 0)
      throw new Error(`${source}: ${problems.map((problem) => problem.message).join('; ')}`);
    const value: unknown = document.toJS();
    if (value !== null && value !== undefined) values.push(value);
  }
  return values;
}

function asObjects(values: unknown[], source: string): KubeObject[] {
  return values.map((value, index) => {
    const object = value as Partial<KubeObject>;
    if (typeof object.kind !== 'string' || typeof object.apiVersion !== 'string')
      throw new Error(`${source}, document ${index + 1}: no apiVersion or kind`);
    if (typeof object.metadata?.name !== 'string')
      throw new Error(`${source}, document ${index + 1}: no metadata.name`);
    return { ...(object as KubeObject), source };
  });
}

/** The YAML files of a directory (relative to the repository root), recursively, sorted. */
export function yamlFiles(directory: string): string[] {
  return readdirSync(`${repoRoot}${directory}`, { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.ya?ml$/.test(file))
    .map((file) => `${directory}/${file}`)
    .sort();
}

export function readRepoFile(path: string): string {
  return readFileSync(`${repoRoot}${path}`, 'utf8');
}

/** What `kubectl apply -k <directory>` would send, rendered by kustomize's own code. */
export function renderKustomization(directory: string): string {
  const result = run(tools.manifestCheck, ['build', directory]);
  if (result.status !== 0) throw new Error(`kustomize build ${directory}: ${result.stderr}`);
  return result.stdout;
}

export interface Manifests {
  /** The rendered kustomization: k8s/, or k8s-token-exchange/ in exchange mode. */
  k8sYaml: string;
  /** Objects of k8s/ (rendered) and istio/ (file by file). */
  all: KubeObject[];
  ofKind<Spec>(kind: string): Typed<Spec>[];
  named<Spec>(kind: string, name: string): Typed<Spec>;
}

/** The mesh policies of token exchange (lab 11): applied only with web-api in exchange mode. */
export const TOKEN_EXCHANGE_FILE = 'istio/07-token-exchange.yaml';
/** k8s/ with the settings of exchange mode (lab 11). */
export const TOKEN_EXCHANGE_KUSTOMIZATION = 'k8s-token-exchange';

/**
 * The cluster as the labs leave it: forward mode, or with `tokenExchange` the state of lab 11.
 */
export function loadManifests({ tokenExchange = false } = {}): Manifests {
  const directory = tokenExchange ? TOKEN_EXCHANGE_KUSTOMIZATION : 'k8s';
  const k8sYaml = renderKustomization(directory);
  const all = [
    ...asObjects(parseYaml(k8sYaml, `kustomize build ${directory}`), directory),
    ...yamlFiles('istio')
      .filter((file) => tokenExchange || file !== TOKEN_EXCHANGE_FILE)
      .flatMap((file) => asObjects(parseYaml(readRepoFile(file), file), file)),
  ];
  const ofKind = <Spec>(kind: string) =>
    all.filter((object) => object.kind === kind) as Typed<Spec>[];
  return {
    k8sYaml,
    all,
    ofKind,
    named: <Spec>(kind: string, name: string) => {
      const found = ofKind<Spec>(kind).find((object) => object.metadata.name === name);
      if (!found) throw new Error(`no ${kind} named ${name}`);
      return found;
    },
  };
}
