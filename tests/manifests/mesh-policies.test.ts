import { beforeAll, describe, expect, it } from 'vitest';
import { isAllowed, type MeshRequest } from './lib/authorization.ts';
import {
  deployment,
  ingressGateway,
  istiod,
  kubeDns,
  podOf,
  serviceForHost,
  targetPortOf,
} from './lib/cluster.ts';
import { loadManifests, type Manifests } from './lib/manifests.ts';
import { allowsConnection, type Endpoint } from './lib/network-policy.ts';
import {
  namespaceOf,
  selects,
  type AuthorizationPolicySpec,
  type KubeObject,
  type NetworkPolicySpec,
  type PeerAuthenticationSpec,
  type RequestAuthenticationSpec,
  type Typed,
} from './lib/objects.ts';

let manifests: Manifests;
beforeAll(() => {
  manifests = loadManifests();
});

const ISSUER = 'https://demo.k8s.local/auth/realms/quarkus';
const aliceToken = `${ISSUER}/eb4123a3-b722-4798-9af5-8957f823657a`;
const JWKS_PATH = '/auth/realms/quarkus/protocol/openid-connect/certs';
const pod = (name: string) => podOf(deployment(manifests, name));
const elsewhere: Endpoint = { namespace: 'default', labels: { app: 'curl' } };

describe('network policies allow exactly the connections the app needs', () => {
  const connects = (source: Endpoint, target: Endpoint, port: number) =>
    allowsConnection(manifests.ofKind<NetworkPolicySpec>('NetworkPolicy'), source, target, port);

  it.each([
    ['the ingress gateway', 'web-app', 8080],
    ['the ingress gateway', 'web-api', 8081],
    ['the ingress gateway', 'keycloak', 8080],
    ['web-api', 'articles', 8082],
    ['web-api', 'keycloak', 8080],
    ['articles', 'keycloak', 8080],
    ['istiod', 'keycloak', 8080],
    ['keycloak', 'postgres', 5432],
  ])('lets %s reach %s on %i', (source, target, port) => {
    const from =
      source === 'the ingress gateway'
        ? ingressGateway
        : source === 'istiod'
          ? istiod
          : pod(source);
    expect(connects(from, pod(target), port)).toBe(true);
  });

  it('lets every pod reach DNS and its sidecar reach istiod', () => {
    for (const name of ['articles', 'web-api', 'web-app', 'keycloak', 'postgres']) {
      expect(connects(pod(name), kubeDns, 53), name).toBe(true);
      expect(connects(pod(name), istiod, 15012), name).toBe(true);
    }
  });

  it.each([
    ['web-app', 'articles', 8082],
    ['web-app', 'keycloak', 8080],
    ['articles', 'web-api', 8081],
    ['keycloak', 'articles', 8082],
    ['web-api', 'postgres', 5432],
    ['articles', 'postgres', 5432],
  ])('keeps %s from %s:%i', (source, target, port) => {
    expect(connects(pod(source), pod(target), port)).toBe(false);
  });

  it('opens the management ports (health and metrics) to no one outside the pod', () => {
    const prometheus: Endpoint = { namespace: 'istio-system', labels: { app: 'prometheus' } };
    for (const [name, port] of [
      ['articles', 9082],
      ['web-api', 9081],
    ] as const) {
      for (const source of [ingressGateway, prometheus, elsewhere, pod('web-api'), pod('web-app')])
        expect(connects(source, pod(name), port), `${name}:${port}`).toBe(false);
    }
  });

  it('keeps the ingress gateway from articles, and pods of other namespaces from everything', () => {
    expect(connects(ingressGateway, pod('articles'), 8082)).toBe(false);
    for (const [name, port] of [
      ['web-api', 8081],
      ['articles', 8082],
      ['keycloak', 8080],
      ['web-app', 8080],
      ['postgres', 5432],
    ] as const)
      expect(connects(elsewhere, pod(name), port), name).toBe(false);
  });
});

describe('authorization policies', () => {
  const allowed = (target: string, request: MeshRequest) => {
    const { namespace, labels } = pod(target);
    return isAllowed(
      manifests.ofKind<AuthorizationPolicySpec>('AuthorizationPolicy'),
      { namespace, labels },
      request,
    );
  };
  const viaGateway = { principal: ingressGateway.principal };
  let fromWebApi: { principal: string };
  beforeAll(() => {
    fromWebApi = { principal: pod('web-api').principal };
  });

  it('let the gateway read articles through web-api with a token, and web-api read articles', () => {
    const read = { method: 'GET', path: '/articles', requestPrincipal: aliceToken };
    expect(allowed('web-api', { ...viaGateway, ...read, port: 8081 })).toBe(true);
    expect(allowed('articles', { ...fromWebApi, ...read, port: 8082 })).toBe(true);
  });

  it('refuse requests without a token at web-api and articles', () => {
    expect(
      allowed('web-api', { ...viaGateway, method: 'GET', path: '/articles', port: 8081 }),
    ).toBe(false);
    expect(
      allowed('articles', { ...fromWebApi, method: 'GET', path: '/articles', port: 8082 }),
    ).toBe(false);
  });

  it('let only web-api call articles, and only to read', () => {
    const request = { method: 'GET', path: '/articles', requestPrincipal: aliceToken, port: 8082 };
    for (const caller of ['web-app', 'keycloak'])
      expect(allowed('articles', { ...request, principal: pod(caller).principal }), caller).toBe(
        false,
      );
    expect(allowed('articles', { ...request, ...viaGateway })).toBe(false);
    expect(allowed('articles', { ...request, ...fromWebApi, method: 'DELETE' })).toBe(false);
    expect(allowed('articles', { ...request, ...fromWebApi, path: '/metrics' })).toBe(false);
  });

  it("let the gateway serve the web-app and Keycloak's realm, not its admin console, and nothing reach web-api but /articles", () => {
    expect(
      allowed('web-app', { ...viaGateway, method: 'GET', path: '/index.html', port: 8080 }),
    ).toBe(true);
    expect(
      allowed('keycloak', {
        ...viaGateway,
        method: 'POST',
        path: '/auth/realms/quarkus/protocol/openid-connect/token',
        port: 8080,
      }),
    ).toBe(true);
    for (const path of ['/auth/admin/master/console/', '/auth/realms/master/account'])
      expect(allowed('keycloak', { ...viaGateway, method: 'GET', path, port: 8080 }), path).toBe(
        false,
      );
    expect(
      allowed('web-api', {
        ...viaGateway,
        method: 'GET',
        path: '/metrics',
        requestPrincipal: aliceToken,
        port: 8081,
      }),
    ).toBe(false);
  });

  it("let only Keycloak reach Keycloak's database", () => {
    const keycloak = { principal: pod('keycloak').principal, method: 'GET', path: '', port: 5432 };
    expect(allowed('postgres', keycloak)).toBe(true);
    expect(allowed('postgres', { ...keycloak, ...fromWebApi })).toBe(false);
    expect(allowed('postgres', { ...keycloak, ...viaGateway })).toBe(false);
  });

  it('let callers without identity fetch only the public keys from Keycloak', () => {
    expect(allowed('keycloak', { method: 'GET', path: JWKS_PATH, port: 8080 })).toBe(true);
    expect(
      allowed('keycloak', { method: 'GET', path: '/auth/admin/master/console/', port: 8080 }),
    ).toBe(false);
    expect(
      allowed('keycloak', {
        method: 'POST',
        path: '/auth/realms/quarkus/protocol/openid-connect/token',
        port: 8080,
      }),
    ).toBe(false);
  });
});

/**
 * Problems that keep istiod from fetching a RequestAuthentication's keys: istiod has no sidecar,
 * so it connects in plain HTTP from istio-system without a mesh identity.
 */
function istiodJwksProblems(objects: KubeObject[]): string[] {
  const ofKind = <Spec>(kind: string) => objects.filter((o) => o.kind === kind) as Typed<Spec>[];
  const problems: string[] = [];
  for (const request of ofKind<RequestAuthenticationSpec>('RequestAuthentication'))
    for (const rule of request.spec.jwtRules) {
      const url = new URL(rule.jwksUri ?? '');
      const service = serviceForHost(manifests, url.hostname, namespaceOf(request));
      if (!service) {
        problems.push(`${url.hostname}: no such Service`);
        continue;
      }
      const port = targetPortOf(manifests, service, Number(url.port || 80));
      const target = pod(service.metadata.name);
      const applying = ofKind<PeerAuthenticationSpec>('PeerAuthentication').filter(
        (policy) =>
          namespaceOf(policy) === target.namespace &&
          (!policy.spec.selector || selects(policy.spec.selector, target.labels)),
      );
      // A workload's own policy wins over the namespace's; a port-level mode over the workload's.
      const policy = applying.find((candidate) => candidate.spec.selector) ?? applying[0];
      const mode =
        policy?.spec.portLevelMtls?.[String(port)]?.mode ?? policy?.spec.mtls?.mode ?? 'PERMISSIVE';
      if (mode === 'STRICT') problems.push(`${service.metadata.name}:${port} refuses plain HTTP`);
      const authorization = ofKind<AuthorizationPolicySpec>('AuthorizationPolicy');
      if (!isAllowed(authorization, target, { method: 'GET', path: url.pathname, port }))
        problems.push(
          `${service.metadata.name}: a caller without identity may not GET ${url.pathname}`,
        );
      if (!allowsConnection(ofKind<NetworkPolicySpec>('NetworkPolicy'), istiod, target, port))
        problems.push(`${service.metadata.name}:${port}: network policies keep istiod out`);
    }
  return [...new Set(problems)];
}

describe('istiod can fetch the signing keys while the namespace is STRICT', () => {
  it('reaches Keycloak in plain HTTP through all three layers', () => {
    expect(manifests.ofKind('RequestAuthentication').length).toBeGreaterThan(0);
    expect(istiodJwksProblems(manifests.all)).toEqual([]);
  });

  it('would be refused without the port-level exception for Keycloak', () => {
    const without = manifests.all.filter((o) => o.metadata.name !== 'keycloak-jwks');
    expect(istiodJwksProblems(without)).toEqual(['keycloak:8080 refuses plain HTTP']);
  });

  it('would be refused without the authorization rule or the network policy for istiod', () => {
    const without = manifests.all.filter(
      (o) =>
        !(
          o.metadata.name === 'keycloak' &&
          ['AuthorizationPolicy', 'NetworkPolicy'].includes(o.kind)
        ),
    );
    const withDefaultDeny = [
      ...without,
      ...manifests.all
        .filter((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'keycloak')
        .map((o) => ({
          ...o,
          spec: { podSelector: { matchLabels: { app: 'keycloak' } }, policyTypes: ['Ingress'] },
        })),
    ];
    expect(istiodJwksProblems(withDefaultDeny)).toEqual([
      `keycloak: a caller without identity may not GET ${JWKS_PATH}`,
      'keycloak:8080: network policies keep istiod out',
    ]);
  });

  it('makes the rest of the namespace STRICT', () => {
    const namespaceWide = manifests
      .ofKind<PeerAuthenticationSpec>('PeerAuthentication')
      .filter((policy) => !policy.spec.selector);
    expect(namespaceWide.map((policy) => [namespaceOf(policy), policy.spec.mtls?.mode])).toEqual([
      ['demo', 'STRICT'],
    ]);
    const keycloakPolicy = manifests.named<PeerAuthenticationSpec>(
      'PeerAuthentication',
      'keycloak-jwks',
    );
    expect(keycloakPolicy.spec.mtls?.mode).toBe('STRICT');
    expect(Object.keys(keycloakPolicy.spec.portLevelMtls ?? {})).toEqual(['8080']);
  });
});

describe('token exchange (07-token-exchange.yaml, lab 11)', () => {
  let exchange: Manifests;
  beforeAll(() => {
    exchange = loadManifests({ tokenExchange: true });
  });
  const allowedIn = (state: () => Manifests, target: string, request: MeshRequest) => {
    const { namespace, labels } = podOf(deployment(state(), target));
    return isAllowed(
      state().ofKind<AuthorizationPolicySpec>('AuthorizationPolicy'),
      { namespace, labels },
      request,
    );
  };
  const TOKEN_PATH = '/auth/realms/quarkus/protocol/openid-connect/token';
  const exchangeRequest = { method: 'POST', path: TOKEN_PATH, port: 8080 };
  const readArticles = { method: 'GET', path: '/articles', port: 8082 };

  it("lets web-api's service account, and no other workload, exchange tokens at Keycloak", () => {
    const from = (app: string) => ({ ...exchangeRequest, principal: pod(app).principal });
    expect(allowedIn(() => exchange, 'keycloak', from('web-api'))).toBe(true);
    for (const app of ['articles', 'web-app'])
      expect(
        allowedIn(() => exchange, 'keycloak', from(app)),
        app,
      ).toBe(false);
    // Without the step, web-api's sidecar cannot reach the token endpoint at all.
    expect(allowedIn(() => manifests, 'keycloak', from('web-api'))).toBe(false);
  });

  it('lets articles serve an exchanged token from web-api: the user is still the request principal', () => {
    const request = {
      ...readArticles,
      principal: pod('web-api').principal,
      requestPrincipal: aliceToken,
      claims: { azp: 'web-api' },
    };
    expect(allowedIn(() => exchange, 'articles', request)).toBe(true);
    expect(
      allowedIn(() => exchange, 'articles', { ...request, principal: pod('web-app').principal }),
    ).toBe(false);
  });

  it("refuses at articles the user's own token, even relayed by web-api, and one without azp", () => {
    const relayed = {
      ...readArticles,
      principal: pod('web-api').principal,
      requestPrincipal: aliceToken,
    };
    for (const azp of ['frontend', 'labs-cli'])
      expect(
        allowedIn(() => exchange, 'articles', { ...relayed, claims: { azp } }),
        azp,
      ).toBe(false);
    expect(allowedIn(() => exchange, 'articles', relayed)).toBe(false);
    // In forward mode the same relayed token is what articles serves.
    expect(
      allowedIn(() => manifests, 'articles', { ...relayed, claims: { azp: 'frontend' } }),
    ).toBe(true);
  });
});
