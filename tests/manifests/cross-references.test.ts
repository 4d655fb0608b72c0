import { readdirSync } from 'node:fs';
import { loadConfig as loadArticlesConfig } from '@cns/articles/config';
import { accessTokenAudiences, requestedScopes } from '@cns/dev-idp/keycloak-claims';
import { toRealm, type Realm } from '@cns/dev-idp/realm';
import { loadConfig as loadWebApiConfig } from '@cns/web-api/config';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  backendsOf,
  configMapData,
  ingressGateway,
  serviceForHost,
  targetPortOf,
} from './lib/cluster.ts';
import { loadManifests, readRepoFile, type Manifests } from './lib/manifests.ts';
import {
  identify,
  namespaceOf,
  selects,
  type AuthorizationPolicySpec,
  type DeploymentSpec,
  type DestinationRuleSpec,
  type GatewaySpec,
  type HpaSpec,
  type LabelSelector,
  type NetworkPolicySpec,
  type PdbSpec,
  type PeerAuthenticationSpec,
  type RequestAuthenticationSpec,
  type ServiceSpec,
  type VirtualServiceSpec,
} from './lib/objects.ts';
import { repoRoot } from './lib/tools.ts';

let manifests: Manifests;
let realm: Realm;
beforeAll(() => {
  manifests = loadManifests();
  // As the development IdP reads it, which the parity suite holds to Keycloak's reading.
  realm = toRealm(JSON.parse(readRepoFile('k8s/keycloak/quarkus-realm.json')));
});

const deployments = () => manifests.ofKind<DeploymentSpec>('Deployment');
const gateway = () => manifests.named<GatewaySpec>('Gateway', 'demo-gateway');
const gatewayHost = () => {
  const hosts = new Set(gateway().spec.servers.flatMap((server) => server.hosts));
  expect(hosts.size).toBe(1);
  return [...hosts][0] ?? '';
};
const keycloak = () => configMapData(manifests, 'keycloak-config');
const webAppConfig = () =>
  JSON.parse(configMapData(manifests, 'web-app-config')['config.json'] ?? '{}') as {
    keycloakUrl: string;
    realm: string;
    clientId: string;
    scope: string;
  };
const oidc = () => configMapData(manifests, 'oidc-config');

/** Deployments in the namespace whose pods the selector picks. */
function selected(selector: LabelSelector | undefined, namespace: string) {
  return deployments().filter(
    (candidate) =>
      namespaceOf(candidate) === namespace &&
      selects(selector, candidate.spec.template.metadata.labels),
  );
}

describe('routing', () => {
  it('routes every VirtualService destination to an existing Service port', () => {
    const virtualServices = manifests.ofKind<VirtualServiceSpec>('VirtualService');
    expect(virtualServices.length).toBeGreaterThan(0);
    for (const virtualService of virtualServices)
      for (const route of virtualService.spec.http)
        for (const { destination } of route.route ?? []) {
          const service = serviceForHost(manifests, destination.host, namespaceOf(virtualService));
          expect(service, `${identify(virtualService)} → ${destination.host}`).toBeDefined();
          if (!service) continue;
          expect(destination.port?.number, `${destination.host} needs a port`).toBeDefined();
          expect(service.spec.ports.map((port) => port.port)).toContain(destination.port?.number);
        }
  });

  // Which path reaches which Service is shown by Istio's own simulator (mesh.test.ts).
  it('gives every route to a Service a timeout', () => {
    for (const virtualService of manifests.ofKind<VirtualServiceSpec>('VirtualService'))
      for (const route of virtualService.spec.http.filter((http) => http.route))
        expect(route.timeout, `${identify(virtualService)} route ${route.name}`).toMatch(/^\d+s$/);
  });

  it('binds the VirtualService to the Gateway and to hosts the Gateway serves', () => {
    const virtualService = manifests.named<VirtualServiceSpec>('VirtualService', 'demo');
    expect(virtualService.spec.gateways).toEqual([gateway().metadata.name]);
    expect(virtualService.spec.hosts).toEqual([gatewayHost()]);
  });

  it('gives every DestinationRule an existing Service as host', () => {
    for (const rule of manifests.ofKind<DestinationRuleSpec>('DestinationRule'))
      expect(
        serviceForHost(manifests, rule.spec.host, namespaceOf(rule)),
        identify(rule),
      ).toBeDefined();
  });

  it('sends every Service to pods that listen on its target port', () => {
    for (const service of manifests.ofKind<ServiceSpec>('Service')) {
      expect(backendsOf(manifests, service), identify(service)).toHaveLength(1);
      for (const port of service.spec.ports) {
        // PostgreSQL's protocol is its own: to Istio, plain TCP.
        expect(port.name, `${identify(service)}: Istio picks the protocol by port name`).toBe(
          service.metadata.name === 'postgres' ? 'tcp-postgres' : 'http',
        );
        expect(targetPortOf(manifests, service, port.port)).toBeGreaterThan(0);
      }
    }
  });

  // A misspelt variable would be dropped silently and leave its default in force.
  it.each([
    ['articles', loadArticlesConfig],
    ['web-api', loadWebApiConfig],
  ] as const)('configures %s only with variables it reads, each valid', (app, loadConfig) => {
    const env = { ...oidc(), ...configMapData(manifests, `${app}-config`) };
    const config = loadConfig(env); // throws, naming each invalid variable
    for (const name of Object.keys(env)) expect(Object.keys(config)).toContain(name);
  });

  it('tells each service to listen on the port its container and Service declare', () => {
    for (const name of ['articles', 'web-api']) {
      const service = manifests.named<ServiceSpec>('Service', name);
      const port = service.spec.ports[0]?.port ?? 0;
      expect(configMapData(manifests, `${name}-config`).PORT).toBe(String(port));
      expect(targetPortOf(manifests, service, port)).toBe(port);
    }
    expect(configMapData(manifests, 'web-api-config').ARTICLES_URL).toBe(
      `http://articles:${manifests.named<ServiceSpec>('Service', 'articles').spec.ports[0]?.port}`,
    );
  });
});

describe('the management port (health and metrics)', () => {
  it.each(['articles', 'web-api'])(
    'is where %s listens for it, is probed and scraped there, and no Service exposes it',
    (name) => {
      const port = Number(configMapData(manifests, `${name}-config`).MANAGEMENT_PORT);
      const deployment = manifests.named<DeploymentSpec>('Deployment', name);
      const container = deployment.spec.template.spec.containers[0];
      expect(container?.ports).toContainEqual({ name: 'management', containerPort: port });
      expect(container?.readinessProbe?.httpGet?.port).toBe('management');
      expect(container?.livenessProbe?.httpGet?.port).toBe('management');
      expect(deployment.spec.template.metadata.annotations).toMatchObject({
        'prometheus.io/port': String(port),
        'prometheus.io/path': '/metrics',
      });
      const service = manifests.named<ServiceSpec>('Service', name);
      for (const servicePort of service.spec.ports) {
        expect(targetPortOf(manifests, service, servicePort.port)).not.toBe(port);
      }
    },
  );
});

describe('selectors and references', () => {
  it("matches every Deployment's selector to its own pod template", () => {
    for (const candidate of deployments())
      expect(
        selects(candidate.spec.selector, candidate.spec.template.metadata.labels),
        identify(candidate),
      ).toBe(true);
  });

  it('matches every workload selector of a policy, budget or network policy to a Deployment', () => {
    const selectors: [string, LabelSelector | undefined, string][] = [
      ...manifests
        .ofKind<PdbSpec>('PodDisruptionBudget')
        .map(
          (o) => [identify(o), o.spec.selector, namespaceOf(o)] as [string, LabelSelector, string],
        ),
      ...[
        ...manifests.ofKind<AuthorizationPolicySpec>('AuthorizationPolicy'),
        ...manifests.ofKind<RequestAuthenticationSpec>('RequestAuthentication'),
        ...manifests.ofKind<PeerAuthenticationSpec>('PeerAuthentication'),
      ]
        .filter((o) => o.spec.selector)
        .map(
          (o) => [identify(o), o.spec.selector, namespaceOf(o)] as [string, LabelSelector, string],
        ),
      ...manifests
        .ofKind<NetworkPolicySpec>('NetworkPolicy')
        .flatMap((policy) => [
          [identify(policy), policy.spec.podSelector, namespaceOf(policy)] as [
            string,
            LabelSelector,
            string,
          ],
          ...[
            ...(policy.spec.ingress ?? []).flatMap((rule) => rule.from ?? []),
            ...(policy.spec.egress ?? []).flatMap((rule) => rule.to ?? []),
          ]
            .filter((peer) => peer.podSelector && !peer.namespaceSelector)
            .map(
              (peer) =>
                [`${identify(policy)} peer`, peer.podSelector, namespaceOf(policy)] as [
                  string,
                  LabelSelector,
                  string,
                ],
            ),
        ]),
    ];
    expect(selectors.length).toBeGreaterThan(10);
    for (const [what, selector, namespace] of selectors)
      expect(selected(selector, namespace).length, what).toBeGreaterThan(0);
  });

  it('selects the ingress gateway with the Gateway', () => {
    expect(selects({ matchLabels: gateway().spec.selector }, ingressGateway.labels)).toBe(true);
  });

  it('names an existing ServiceAccount, or the ingress gateway, in every principal', () => {
    const accounts = manifests
      .ofKind('ServiceAccount')
      .map((account) => `cluster.local/ns/${namespaceOf(account)}/sa/${account.metadata.name}`);
    const principals = manifests
      .ofKind<AuthorizationPolicySpec>('AuthorizationPolicy')
      .flatMap((policy) => policy.spec.rules ?? [])
      .flatMap((rule) => rule.from ?? [])
      .flatMap(({ source }) => [...(source.principals ?? []), ...(source.notPrincipals ?? [])]);
    expect(principals.length).toBeGreaterThan(3);
    for (const principal of principals)
      expect([...accounts, ingressGateway.principal]).toContain(principal);
  });

  it('runs every Deployment under its own existing ServiceAccount', () => {
    const accounts = manifests.ofKind('ServiceAccount').map((account) => account.metadata.name);
    for (const candidate of deployments()) {
      const account = candidate.spec.template.spec.serviceAccountName;
      expect(account, identify(candidate)).toBe(candidate.metadata.name);
      expect(accounts).toContain(account);
    }
  });

  it('refers only to ConfigMaps that exist, and to the one Secret the Keycloak lab creates', () => {
    const configMaps = manifests.ofKind('ConfigMap').map((object) => object.metadata.name);
    const secrets = new Set<string>();
    for (const candidate of deployments()) {
      const { spec } = candidate.spec.template;
      for (const container of [...(spec.initContainers ?? []), ...spec.containers]) {
        for (const source of container.envFrom ?? []) {
          if (source.configMapRef) expect(configMaps).toContain(source.configMapRef.name);
          if (source.secretRef) secrets.add(source.secretRef.name);
        }
        for (const variable of container.env ?? [])
          if (variable.valueFrom?.secretKeyRef) secrets.add(variable.valueFrom.secretKeyRef.name);
      }
      for (const volume of spec.volumes ?? []) {
        if (volume.configMap) expect(configMaps).toContain(volume.configMap.name);
        if (volume.secret) secrets.add(volume.secret.secretName);
      }
    }
    expect([...secrets].sort()).toEqual(['keycloak-admin', 'keycloak-db', 'web-api-client']);
    const script = readRepoFile('scripts/deploy-keycloak.sh');
    for (const secret of secrets) {
      expect(readRepoFile('k8s/README.md')).toContain(`secret generic ${secret}`);
      expect(
        script.includes(`create_login_secret ${secret}`) ||
          script.includes(`create secret generic ${secret}`),
        `deploy-keycloak.sh creates ${secret}`,
      ).toBe(true);
    }
  });
});

describe('scaling and disruption', () => {
  it('gives articles and web-api a HorizontalPodAutoscaler and a PodDisruptionBudget', () => {
    const names = (kind: string) => manifests.ofKind(kind).map((object) => object.metadata.name);
    expect(names('HorizontalPodAutoscaler').sort()).toEqual(['articles', 'web-api']);
    expect(names('PodDisruptionBudget').sort()).toEqual(['articles', 'web-api']);
  });

  it('leaves replicas to the autoscaler, which keeps at least two so a budget never blocks a drain', () => {
    for (const autoscaler of manifests.ofKind<HpaSpec>('HorizontalPodAutoscaler')) {
      const target = manifests.named<DeploymentSpec>(
        'Deployment',
        autoscaler.spec.scaleTargetRef.name,
      );
      expect(autoscaler.spec.scaleTargetRef.kind).toBe('Deployment');
      expect(target.spec.replicas, `${identify(target)} must not set replicas`).toBeUndefined();
      expect(autoscaler.spec.minReplicas).toBeGreaterThanOrEqual(2);
      const [budget] = manifests
        .ofKind<PdbSpec>('PodDisruptionBudget')
        .filter((candidate) =>
          selects(candidate.spec.selector, target.spec.template.metadata.labels),
        );
      expect(budget?.spec.maxUnavailable).toBe(1);
    }
  });

  it('runs Keycloak and its database as one replica each, replaced whole', () => {
    for (const name of ['keycloak', 'postgres']) {
      const deployment = manifests.named<DeploymentSpec>('Deployment', name);
      expect(deployment.spec.replicas, name).toBe(1);
      expect(deployment.spec.strategy?.type, name).toBe('Recreate');
    }
  });

  it("keeps Keycloak's data, signing keys included, on a volume that outlives its pods", () => {
    expect(keycloak().KC_DB).toBe('postgres');
    const service = serviceForHost(manifests, keycloak().KC_DB_URL_HOST ?? '', 'demo');
    expect(service?.metadata.name).toBe('postgres');
    if (!service) return;
    const [database] = backendsOf(manifests, service);
    const claims = (database?.spec.template.spec.volumes ?? []).flatMap((volume) =>
      volume.persistentVolumeClaim ? [volume.persistentVolumeClaim.claimName] : [],
    );
    expect(claims).toEqual(['postgres-data']);
    expect(manifests.ofKind('PersistentVolumeClaim').map((claim) => claim.metadata.name)).toEqual(
      claims,
    );
    const args = manifests.named<DeploymentSpec>('Deployment', 'keycloak').spec.template.spec
      .containers[0]?.args;
    // Imports the realm file only when the realm is missing: existing data wins.
    expect(args).toEqual(['start', '--import-realm']);
  });
});

describe('identity provider settings agree with the realm file', () => {
  it('issues tokens under the external URL that OIDC_ISSUER and every RequestAuthentication expect', () => {
    const issuer = `${keycloak().KC_HOSTNAME}/realms/${realm.name}`;
    expect(issuer).toBe(`https://${gatewayHost()}/auth/realms/quarkus`);
    expect(oidc().OIDC_ISSUER).toBe(issuer);
    const rules = manifests
      .ofKind<RequestAuthenticationSpec>('RequestAuthentication')
      .flatMap((request) => request.spec.jwtRules);
    expect(rules.length).toBe(2);
    for (const rule of rules) expect(rule.issuer).toBe(issuer);
  });

  it("fetches the keys from Keycloak's in-cluster Service, at the realm's JWKS path", () => {
    const path = `${keycloak().KC_HTTP_RELATIVE_PATH}/realms/${realm.name}/protocol/openid-connect/certs`;
    const uris = [
      oidc().OIDC_JWKS_URI ?? '',
      ...manifests
        .ofKind<RequestAuthenticationSpec>('RequestAuthentication')
        .flatMap((request) => request.spec.jwtRules.map((rule) => rule.jwksUri ?? '')),
    ];
    for (const uri of uris) {
      const url = new URL(uri);
      expect(url.pathname).toBe(path);
      const service = serviceForHost(manifests, url.hostname, 'demo');
      expect(service?.metadata.name, uri).toBe('keycloak');
      if (service) expect(targetPortOf(manifests, service, Number(url.port))).toBe(8080);
    }
  });

  it('names each RequestAuthentication host fully, since istiod resolves it from istio-system', () => {
    for (const request of manifests.ofKind<RequestAuthenticationSpec>('RequestAuthentication'))
      for (const rule of request.spec.jwtRules)
        expect(new URL(rule.jwksUri ?? '').hostname).toMatch(/\.svc\.cluster\.local$/);
  });

  it("checks in the mesh the same audience as the service, one the web-app's tokens carry there", () => {
    // The web-app's client, its default client scopes and the optional ones its config asks for.
    const { clientId, scope } = webAppConfig();
    const client = realm.clients.find((candidate) => candidate.clientId === clientId);
    if (!client) throw new Error(`the realm has no client ${clientId}`);
    const requested = requestedScopes(client, scope);
    if (!requested.valid) throw new Error(`${clientId} may not ask for the scope "${scope}"`);
    const mapped = accessTokenAudiences(client, new Set(requested.names));
    for (const request of manifests.ofKind<RequestAuthenticationSpec>('RequestAuthentication')) {
      const app = request.spec.selector?.matchLabels?.app ?? '';
      const audience = configMapData(manifests, `${app}-config`).OIDC_AUDIENCE;
      for (const rule of request.spec.jwtRules) {
        expect(rule.audiences).toEqual([audience]);
        expect(mapped).toContain(audience);
        // The service verifies the token again, so Envoy must pass the header on.
        expect(rule.forwardOriginalToken, identify(request)).toBe(true);
      }
    }
  });

  it("lets the web-app log in at the gateway's host with the realm's public client", () => {
    const config = webAppConfig();
    expect(config.keycloakUrl).toBe(keycloak().KC_HTTP_RELATIVE_PATH);
    expect(config.realm).toBe(realm.name);
    const client = realm.clients.find((candidate) => candidate.clientId === config.clientId);
    expect(client?.redirectUris).toContain(`https://${gatewayHost()}/`);
    expect(client?.webOrigins).toContain(`https://${gatewayHost()}`);
  });

  it('deploys the Keycloak version that the local Keycloak scripts and tests run', () => {
    const version = /^KEYCLOAK_VERSION=(\S+)$/m.exec(readRepoFile('scripts/lib/keycloak.sh'))?.[1];
    const images = manifests
      .named<DeploymentSpec>('Deployment', 'keycloak')
      .spec.template.spec.containers.map((container) => container.image);
    expect(images).toEqual([`quay.io/keycloak/keycloak:${version}`]);
  });
});

/** docs/*.md, without the labs. */
const topLevelDocs = () =>
  readdirSync(`${repoRoot}docs`)
    .filter((file) => file.endsWith('.md'))
    .map((file) => `docs/${file}`);

describe('the gateway, its TLS secret and the docs agree', () => {
  // The labs' commands and hosts are checked against the manifests in tests/scripts/labs.test.ts.
  const docs = () =>
    ['README.md', 'istio/README.md', 'k8s/README.md', ...topLevelDocs()].map((file) => ({
      file,
      text: readRepoFile(file),
    }));

  it('serves HTTPS with the secret demo-credential and redirects plain HTTP', () => {
    const [https, http] = gateway().spec.servers;
    expect(https?.port).toMatchObject({ number: 443, protocol: 'HTTPS' });
    expect(https?.tls).toMatchObject({ mode: 'SIMPLE', credentialName: 'demo-credential' });
    expect(http?.port).toMatchObject({ number: 80, protocol: 'HTTP' });
    expect(http?.tls?.httpsRedirect).toBe(true);
  });

  it("creates the TLS secret in the docs under the Gateway's name, next to the gateway's pods", () => {
    const credential = gateway().spec.servers[0]?.tls?.credentialName ?? '';
    const commands = docs().flatMap(({ file, text }) =>
      [...text.matchAll(/kubectl create[^\n]*secret tls[^\n]*/g)].map((match) => ({
        file,
        command: match[0],
      })),
    );
    expect(commands.length).toBeGreaterThan(0);
    for (const { file, command } of commands) {
      expect(command, file).toMatch(new RegExp(`secret tls ${credential}\\b`));
      expect(command, file).toMatch(/(-n|--namespace)[ =]istio-system\b/);
    }
  });

  it("uses the Gateway's host wherever the docs name a *.k8s.local host", () => {
    for (const { file, text } of docs())
      for (const [host] of text.matchAll(/\b[a-z0-9-]+\.k8s\.local\b/g))
        expect(host, file).toBe(gatewayHost());
  });
});
