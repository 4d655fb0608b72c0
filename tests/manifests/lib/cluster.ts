import type { Endpoint } from './network-policy.ts';
import {
  identify,
  namespaceOf,
  type DeploymentSpec,
  type KubeObject,
  type ServiceSpec,
  type Typed,
} from './objects.ts';
import type { Manifests } from './manifests.ts';

/** The ingress gateway and istiod, as Istio's default installation labels and names them. */
export const ingressGateway: Endpoint & { principal: string } = {
  namespace: 'istio-system',
  labels: { app: 'istio-ingressgateway', istio: 'ingressgateway' },
  principal: 'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account',
};
export const istiod: Endpoint = {
  namespace: 'istio-system',
  labels: { app: 'istiod', istio: 'pilot' },
};
export const kubeDns: Endpoint = { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } };

/** A Deployment's pods, as NetworkPolicies and AuthorizationPolicies see them. */
export function podOf(deployment: Typed<DeploymentSpec>): Endpoint & { principal: string } {
  const { spec } = deployment.spec.template;
  const ports: Record<string, number> = {};
  for (const container of spec.containers)
    for (const port of container.ports ?? []) if (port.name) ports[port.name] = port.containerPort;
  return {
    namespace: namespaceOf(deployment),
    labels: deployment.spec.template.metadata.labels,
    ports,
    principal: `cluster.local/ns/${namespaceOf(deployment)}/sa/${spec.serviceAccountName ?? 'default'}`,
  };
}

export function deployment(manifests: Manifests, name: string) {
  return manifests.named<DeploymentSpec>('Deployment', name);
}

/**
 * The Service a host name means from `namespace`: `name`, `name.namespace` or
 * `name.namespace.svc.cluster.local`.
 */
export function serviceForHost(manifests: Manifests, host: string, namespace: string) {
  const [name, hostNamespace = namespace, ...rest] = host.split('.');
  if (rest.length > 0 && rest.join('.') !== 'svc.cluster.local') return undefined;
  return manifests
    .ofKind<ServiceSpec>('Service')
    .find((service) => service.metadata.name === name && namespaceOf(service) === hostNamespace);
}

/** The Deployments whose pods a Service sends traffic to. */
export function backendsOf(manifests: Manifests, service: Typed<ServiceSpec>) {
  return manifests
    .ofKind<DeploymentSpec>('Deployment')
    .filter(
      (candidate) =>
        namespaceOf(candidate) === namespaceOf(service) &&
        Object.entries(service.spec.selector ?? {}).every(
          ([key, value]) => candidate.spec.template.metadata.labels[key] === value,
        ),
    );
}

/** The container port a Service port forwards to, resolved through its pods' named ports. */
export function targetPortOf(
  manifests: Manifests,
  service: Typed<ServiceSpec>,
  port: number,
): number {
  const servicePort = service.spec.ports.find((candidate) => candidate.port === port);
  if (!servicePort) throw new Error(`${identify(service)} has no port ${port}`);
  const target = servicePort.targetPort ?? port;
  if (typeof target === 'number') return target;
  const numbers = backendsOf(manifests, service).map((backend) => podOf(backend).ports?.[target]);
  const [first] = numbers;
  if (first === undefined || numbers.some((number) => number !== first))
    throw new Error(`${identify(service)}: target port ${target} is not one container port`);
  return first;
}

/** The literal data of a generated ConfigMap, found by the name before kustomize's hash. */
export function configMapData(manifests: Manifests, name: string): Record<string, string> {
  const found = manifests
    .ofKind<unknown>('ConfigMap')
    .filter((object: KubeObject) =>
      new RegExp(`^${name}-[a-z0-9]{10}$`).test(object.metadata.name),
    );
  if (found.length !== 1 || !found[0]?.data) throw new Error(`no single ConfigMap ${name}`);
  return found[0].data;
}
