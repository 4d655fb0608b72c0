import { beforeAll, describe, expect, it } from 'vitest';
import { configMapData } from './lib/cluster.ts';
import { loadManifests, parseYaml, type Manifests } from './lib/manifests.ts';
import type { DeploymentSpec, KubeObject } from './lib/objects.ts';

// k8s-token-exchange/ is k8s/ in exchange mode (lab 11): it must change web-api's relay mode,
// the parties articles accepts and the web-app's scope, and nothing else.
const CHANGED = ['web-api-config', 'articles-config', 'web-app-config'];

let forward: Manifests;
let exchange: Manifests;
beforeAll(() => {
  forward = loadManifests();
  exchange = loadManifests({ tokenExchange: true });
});

/** A value with kustomize's hash suffixes taken out of ConfigMap names and references. */
const withoutHashes = <T>(value: T) =>
  JSON.parse(JSON.stringify(value).replace(/(-config)-[a-z0-9]{10}\b/g, '$1')) as T;

describe('k8s-token-exchange (lab 11)', () => {
  it("has web-api exchange tokens at Keycloak's Service, where the services fetch the keys", () => {
    const webApi = configMapData(exchange, 'web-api-config');
    const { OIDC_ISSUER = '', OIDC_JWKS_URI = '' } = configMapData(exchange, 'oidc-config');
    expect(webApi).toEqual({
      ...configMapData(forward, 'web-api-config'),
      RELAY_MODE: 'exchange',
      OIDC_TOKEN_ENDPOINT: expect.any(String) as unknown,
    });
    const endpoint = new URL(webApi.OIDC_TOKEN_ENDPOINT ?? '');
    expect(endpoint.origin).toBe(new URL(OIDC_JWKS_URI).origin);
    expect(endpoint.pathname).toBe(
      `${new URL(OIDC_ISSUER).pathname}/protocol/openid-connect/token`,
    );
  });

  it('lets articles accept only tokens issued to web-api, over the shared oidc-config', () => {
    expect(configMapData(exchange, 'articles-config')).toEqual({
      ...configMapData(forward, 'articles-config'),
      OIDC_AUTHORIZED_PARTIES: 'web-api',
    });
    // envFrom: of two sources with the same key, the later one wins.
    const articles = exchange.named<DeploymentSpec>('Deployment', 'articles');
    expect(withoutHashes(articles.spec.template.spec.containers[0]?.envFrom)).toEqual([
      { configMapRef: { name: 'oidc-config' } },
      { configMapRef: { name: 'articles-config' } },
    ]);
  });

  it("serves the web-app the cluster's config without a scope, so its tokens name web-api alone", () => {
    const config = (manifests: Manifests) =>
      JSON.parse(configMapData(manifests, 'web-app-config')['config.json'] ?? '{}') as Record<
        string,
        string
      >;
    expect(config(forward).scope).toBe('articles-audience');
    expect(config(exchange)).toEqual({ ...config(forward), scope: '' });
  });

  it('changes no other object', () => {
    // The rendered kustomizations only: istio/ is applied file by file.
    const rest = (manifests: Manifests) =>
      (parseYaml(manifests.k8sYaml, 'kustomize build') as KubeObject[])
        .map(withoutHashes)
        .filter(
          (object) => !(object.kind === 'ConfigMap' && CHANGED.includes(object.metadata.name)),
        );
    expect(rest(exchange)).toEqual(rest(forward));
  });
});
