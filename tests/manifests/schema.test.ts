import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  loadManifests,
  parseYaml,
  readRepoFile,
  yamlFiles,
  type Manifests,
} from './lib/manifests.ts';
import { run, tools } from './lib/tools.ts';

/** The oldest and newest Kubernetes versions the pinned Istio supports. */
const KUBERNETES_VERSIONS = ['1.32', '1.36'];

interface CheckResult {
  file: string;
  kind?: string;
  name?: string;
  errors: string[];
}

/**
 * manifest-check validate: Kubernetes' strict decoding for built-in kinds (unknown or duplicate
 * fields, wrong types) and the Istio CRDs' schema, pruning and CEL rules for Istio kinds.
 */
function manifestCheck(files: string[]): CheckResult[] {
  const result = run(tools.manifestCheck, ['validate', ...files]);
  const lines = result.stdout.split('\n').filter(Boolean);
  if (lines.length === 0) throw new Error(`manifest-check printed nothing: ${result.stderr}`);
  return lines.map((line) => JSON.parse(line) as CheckResult);
}

/** kubernetes-validate --strict: the Kubernetes JSON schemas, with unknown fields refused. */
function kubernetesValidate(files: string[], version: string) {
  return run(tools.kubernetesValidate, ['--strict', '--quiet', '-k', version, ...files]);
}

const fixture = (name: string) => `tests/manifests/fixtures/invalid/${name}.yaml`;

let manifests: Manifests;
let builtInsFile: string;
beforeAll(() => {
  manifests = loadManifests();
  // kubernetes-validate knows only built-in kinds: give it the k8s/ output and the
  // NetworkPolicies of istio/.
  const directory = mkdtempSync(join(tmpdir(), 'manifests-'));
  builtInsFile = join(directory, 'built-ins.yaml');
  const networkPolicies = yamlFiles('istio')
    .map(readRepoFile)
    .join('\n---\n')
    .split(/^---$/m)
    .filter((document) => /^kind: NetworkPolicy$/m.test(document));
  writeFileSync(builtInsFile, [manifests.k8sYaml, ...networkPolicies].join('\n---\n'));
});

describe('YAML', () => {
  it('parses every document of k8s/ and istio/ as YAML 1.1, like kubectl, without duplicate keys', () => {
    const files = [...yamlFiles('k8s'), ...yamlFiles('istio')];
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) expect(parseYaml(readRepoFile(file), file).length).toBeGreaterThan(0);
  });

  it('has no value that YAML 1.1 and YAML 1.2 read differently (yes/no/on/off, octal numbers)', () => {
    for (const file of [...yamlFiles('k8s'), ...yamlFiles('istio')]) {
      const text = readRepoFile(file);
      const as12 = parseAllDocuments(text, { version: '1.2' });
      const values12 = (Array.isArray(as12) ? as12 : [as12]).map((d) => d.toJS() as unknown);
      expect(parseYaml(text, file), file).toEqual(values12.filter((v) => v != null));
    }
  });

  it('refuses a document with a duplicate key', () => {
    expect(() => parseYaml(readRepoFile(fixture('duplicate-key')), 'fixture')).toThrow(/unique/i);
  });
});

describe('schemas', () => {
  it('accepts every object of k8s/ (rendered) and istio/ with strict decoding and the Istio CRDs', () => {
    const results = manifestCheck([
      join(builtInsFile),
      ...yamlFiles('istio').map((file) => `${file}`),
    ]);
    const kinds = new Set(results.map((result) => result.kind));
    for (const kind of ['Deployment', 'Service', 'Gateway', 'AuthorizationPolicy', 'NetworkPolicy'])
      expect(kinds).toContain(kind);
    expect(results.filter((result) => result.errors.length > 0)).toEqual([]);
  });

  it.each(KUBERNETES_VERSIONS)(
    'accepts every built-in object against the Kubernetes %s JSON schemas, unknown fields refused',
    (version) => {
      const result = kubernetesValidate([builtInsFile], version);
      expect(result.stdout + result.stderr).toBe('');
      expect(result.status).toBe(0);
    },
  );

  it.each([
    [
      'deployment-unknown-field',
      /unknown field "spec\.template\.spec\.containers\[0\]\.imagePullPolcy"/,
    ],
    ['service-port-as-string', /cannot unmarshal string .*ports\.port of type int32/],
    ['peer-authentication-unknown-field', /unknown fields \[spec\.mtls\.mdoe\]/],
    ['request-authentication-no-scheme', /jwksUri/],
    ['duplicate-key', /already set in map/],
    ['unknown-kind', /no Istio CRD defines networking\.istio\.io\/v1, Kind=Gatway/],
    ['peer-authentication-port-level-without-selector', /portLevelMtls requires selector/],
  ])('manifest-check refuses the fixture %s', (name, message) => {
    const [result] = manifestCheck([fixture(name)]);
    expect(result?.errors.join('\n')).toMatch(message);
  });

  it.each([
    ['deployment-unknown-field', /'imagePullPolcy' was unexpected/],
    ['service-port-as-string', /'8082' is not of type 'integer'/],
    ['container-without-name', /'name' is a required property/],
  ])('kubernetes-validate refuses the fixture %s', (name, message) => {
    const result = kubernetesValidate([fixture(name)], KUBERNETES_VERSIONS[0] ?? '');
    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toMatch(message);
  });
});
