import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLUSTER_TOOLS, createStubs, pathWithout } from '@cns/test-support';
import { beforeAll, describe, expect, it } from 'vitest';
import { isAllowed } from './lib/authorization.ts';
import { deployment, podOf } from './lib/cluster.ts';
import { loadManifests, parseYaml, readRepoFile, type Manifests } from './lib/manifests.ts';
import type {
  AuthorizationPolicySpec,
  JwtRule,
  KubeObject,
  RequestAuthenticationSpec,
  Typed,
} from './lib/objects.ts';
import { repoRoot } from './lib/tools.ts';

// shellcheck over every script: tests/scripts/conventions.test.ts; the other scripts' behaviour:
// tests/scripts. Here, what the mesh model shows of the order apply-authorization.sh applies in.

/**
 * kubectl for the script: every cluster request succeeds, and each `apply -f FILE [--selector
 * SELECTOR]` copies the file, and the selector beside it, to the next numbered file in FAKE_DIR.
 */
const KUBECTL = `case $1 in --request-timeout=*) shift ;; esac
step="$FAKE_DIR/$(printf '%03d' "$(find "$FAKE_DIR" -name '*.yaml' | wc -l)")"
if [ "$1 \${2:-}" = "apply -f" ]; then
  cat "$3" >"$step-apply.yaml"
  if [ "\${4:-}" = --selector ]; then echo "$5" >"$step-apply.selector"; fi
fi`;

/** The objects kubectl's `--selector key=value` picks: those whose label `key` is `value`. */
function selected(objects: KubeObject[], selector: string | undefined): KubeObject[] {
  if (selector === undefined) return objects;
  const [key = '', value] = selector.split('=');
  return objects.filter((object) => object.metadata.labels?.[key] === value);
}

/** The documents each `kubectl apply` of scripts/apply-authorization.sh sends, in order. */
function appliedByApplyAuthorization(): KubeObject[][] {
  const scratch = mkdtempSync(join(tmpdir(), 'apply-authorization-'));
  const stubs = createStubs(scratch, pathWithout(join(scratch, 'path'), CLUSTER_TOOLS), {
    kubectl: KUBECTL,
  });
  const steps = join(scratch, 'steps');
  mkdirSync(steps);
  const result = spawnSync(`${repoRoot}scripts/apply-authorization.sh`, [], {
    encoding: 'utf8',
    env: { PATH: stubs.path, FAKE_DIR: steps, HOME: tmpdir() },
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
