import { beforeAll, describe, expect, it } from 'vitest';
import { loadManifests, type Manifests } from './lib/manifests.ts';
import { identify, type Container, type DeploymentSpec, type PodSpec } from './lib/objects.ts';

let manifests: Manifests;
beforeAll(() => {
  manifests = loadManifests();
});

function everyContainer(): {
  app: string;
  where: string;
  pod: PodSpec;
  container: Container;
  init: boolean;
}[] {
  return manifests.ofKind<DeploymentSpec>('Deployment').flatMap((deployment) => {
    const pod = deployment.spec.template.spec;
    return [
      ...(pod.initContainers ?? []).map((container) => ({ container, init: true })),
      ...pod.containers.map((container) => ({ container, init: false })),
    ].map(({ container, init }) => ({
      app: deployment.metadata.name,
      where: `${identify(deployment)} container ${container.name}`,
      pod,
      container,
      init,
    }));
  });
}

/** What each long-running container must answer on, per Deployment. */
const PROBES: Record<string, { readiness: string; liveness: string; port: string }> = {
  articles: { readiness: '/health/ready', liveness: '/health/live', port: 'management' },
  'web-api': { readiness: '/health/ready', liveness: '/health/live', port: 'management' },
  'web-app': { readiness: '/config.json', liveness: '/', port: 'http' },
  keycloak: { readiness: '/auth/health/ready', liveness: '/auth/health/live', port: 'management' },
};

/** PostgreSQL speaks no HTTP: its probes ask the server itself, over TCP on loopback. */
const PG_ISREADY = 'pg_isready --host 127.0.0.1 --username "$POSTGRES_USER" --dbname keycloak';

describe('every container is hardened', () => {
  it('covers all five Deployments', () => {
    const names = manifests.ofKind('Deployment').map((deployment) => deployment.metadata.name);
    expect(names.sort()).toEqual([...Object.keys(PROBES), 'postgres'].sort());
  });

  it('runs as a non-root user with the RuntimeDefault seccomp profile', () => {
    for (const { where, pod, container } of everyContainer()) {
      const runAsNonRoot =
        container.securityContext?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
      expect(runAsNonRoot, where).toBe(true);
      const user = container.securityContext?.runAsUser ?? pod.securityContext?.runAsUser;
      expect(user, where).toBeGreaterThan(0);
      const seccomp =
        container.securityContext?.seccompProfile ?? pod.securityContext?.seccompProfile;
      expect(seccomp?.type, where).toBe('RuntimeDefault');
    }
  });

  it('has a read-only root file system, no capabilities and no privilege escalation', () => {
    for (const { where, container } of everyContainer()) {
      expect(container.securityContext, where).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      });
      expect(container.securityContext?.capabilities?.add, where).toBeUndefined();
      expect(container.securityContext?.privileged, where).not.toBe(true);
    }
  });

  it('sets CPU and memory requests and limits', () => {
    for (const { where, container } of everyContainer())
      for (const kind of ['requests', 'limits'] as const)
        for (const resource of ['cpu', 'memory'])
          expect(
            container.resources?.[kind]?.[resource],
            `${where} ${kind}.${resource}`,
          ).toBeDefined();
  });

  it('uses a pinned image tag, never an untagged image or :latest', () => {
    for (const { where, container } of everyContainer()) {
      expect(container.image, where).toMatch(/^[a-z0-9./-]+:[A-Za-z0-9._-]+$/);
      expect(container.image, where).not.toMatch(/:latest$/);
      // PostgreSQL numbers its releases major.minor.
      expect(container.image, where).toMatch(/:v?\d+\.\d+(\.\d+)?$/);
      expect(container.imagePullPolicy, where).toBe('IfNotPresent');
    }
  });

  it('probes readiness and liveness on the health endpoints', () => {
    for (const { app, where, container, init } of everyContainer()) {
      if (init) continue;
      if (app === 'postgres') {
        for (const probe of [container.readinessProbe, container.livenessProbe])
          expect(probe?.exec?.command, where).toEqual(['sh', '-c', PG_ISREADY]);
        continue;
      }
      const expected = PROBES[app];
      expect(expected, where).toBeDefined();
      expect(container.readinessProbe?.httpGet, where).toEqual({
        path: expected?.readiness,
        port: expected?.port,
      });
      expect(container.livenessProbe?.httpGet, where).toEqual({
        path: expected?.liveness,
        port: expected?.port,
      });
      const ports = (container.ports ?? []).map((port) => port.name);
      expect(ports, where).toContain(expected?.port);
    }
  });

  it('gives no pod a Kubernetes API token', () => {
    for (const deployment of manifests.ofKind<DeploymentSpec>('Deployment'))
      expect(deployment.spec.template.spec.automountServiceAccountToken, identify(deployment)).toBe(
        false,
      );
    for (const account of manifests.ofKind('ServiceAccount'))
      expect(
        (account as unknown as { automountServiceAccountToken?: boolean })
          .automountServiceAccountToken,
      ).toBe(false);
  });

  it('labels every Deployment and its pods with app and version', () => {
    for (const deployment of manifests.ofKind<DeploymentSpec>('Deployment')) {
      for (const labels of [deployment.metadata.labels, deployment.spec.template.metadata.labels]) {
        expect(labels?.app, identify(deployment)).toBe(deployment.metadata.name);
        expect(labels?.version, identify(deployment)).toMatch(/^v\d+$/);
      }
    }
  });

  it('gives the services a grace period longer than their drain delay plus shutdown timeout', () => {
    for (const name of ['articles', 'web-api']) {
      const deployment = manifests.named<DeploymentSpec>('Deployment', name);
      const config = manifests
        .ofKind('ConfigMap')
        .find((object) => object.metadata.name.startsWith(`${name}-config-`));
      const drainSeconds = Number(config?.data?.SHUTDOWN_DRAIN_DELAY_MS) / 1000;
      expect(drainSeconds).toBeGreaterThan(0);
      // service-kit gives requests in flight 10 s after the drain delay.
      expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(
        drainSeconds + 10,
      );
    }
  });
});
