import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, run, tools } from './lib/tools.ts';

// The Go tests in manifest-check/mesh_labs_test.go run istiod's own config pipeline over k8s/ and
// istio/ and replay calls with Istio's Envoy simulator; install-tools.sh compiles them.
const goTests: Record<string, string> = {
  TestLab3GatewayRoutes:
    'lab 3: the gateway routes /auth/realms/quarkus, /articles and / by path segment, hides the admin console, strips forwarding headers, redirects port 80 and serves demo-credential',
  TestLab6MutualTLSTable:
    'lab 6: plain HTTP reaches web-api under PERMISSIVE and matches no filter chain under STRICT, mTLS under both; only Keycloak:8080 keeps plain HTTP',
  TestLab7FilterOrderAndPrincipals:
    'lab 7: the sidecars check the token from the Authorization header before the policies, whose rules name the expected principals',
  TestLab7KeysWhenIstiodsFetchIsRefused:
    "lab 7: the sidecars get Keycloak's keys, or istiod's fail-closed set when Keycloak refuses the fetch",
  TestLab11TokenExchangePolicies:
    'lab 11: articles denies tokens whose azp is not web-api, and Keycloak lets web-api exchange tokens',
};

const cwd = `${repoRoot}tests/manifests/manifest-check`;

describe("the mesh, compiled by istiod's own code and replayed by Istio's simulator", () => {
  beforeAll(() => {
    const listed = run(tools.meshTest, ['-test.list', '.*'], { cwd });
    expect(listed.stdout.split('\n').filter(Boolean).sort()).toEqual(Object.keys(goTests).sort());
  });

  for (const [name, title] of Object.entries(goTests))
    it(title, () => {
      const result = run(tools.meshTest, ['-test.run', `^${name}$`, '-test.v'], { cwd });
      const report = result.stdout
        .split('\n')
        .filter((line) => !line.startsWith('=== RUN'))
        .join('\n');
      expect(result.status, report).toBe(0);
    });
});
