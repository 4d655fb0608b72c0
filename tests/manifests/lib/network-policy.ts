import {
  namespaceOf,
  selects,
  type Labels,
  type NetworkPolicyPeer,
  type NetworkPolicyPort,
  type NetworkPolicySpec,
  type Typed,
} from './objects.ts';

/** A pod as NetworkPolicies see it: its namespace, its labels and its named ports. */
export interface Endpoint {
  namespace: string;
  labels: Labels;
  /** Named container ports, for policies that name a port. */
  ports?: Record<string, number>;
}

/** Namespaces carry `kubernetes.io/metadata.name` (set by Kubernetes since 1.22). */
const namespaceLabels = (namespace: string): Labels => ({
  'kubernetes.io/metadata.name': namespace,
});

function peerMatches(peer: NetworkPolicyPeer, policyNamespace: string, other: Endpoint): boolean {
  if (peer.ipBlock) throw new Error('ipBlock peers are not modelled by these tests');
  const namespaceOk = peer.namespaceSelector
    ? selects(peer.namespaceSelector, namespaceLabels(other.namespace))
    : other.namespace === policyNamespace;
  const podOk = peer.podSelector ? selects(peer.podSelector, other.labels) : true;
  return namespaceOk && podOk;
}

function portMatches(ports: NetworkPolicyPort[] | undefined, port: number, target: Endpoint) {
  if (!ports || ports.length === 0) return true;
  return ports.some((candidate) => {
    if ((candidate.protocol ?? 'TCP') !== 'TCP') return false;
    if (candidate.port === undefined) return true;
    const number =
      typeof candidate.port === 'number' ? candidate.port : target.ports?.[candidate.port];
    return number === port;
  });
}

/**
 * Whether Kubernetes NetworkPolicies let `source` open a TCP connection to `target` on `port`:
 * the source's egress policies and the target's ingress policies must both allow it. A pod that
 * no policy of a direction selects is not isolated in that direction.
 */
export function allowsConnection(
  policies: Typed<NetworkPolicySpec>[],
  source: Endpoint,
  target: Endpoint,
  port: number,
): boolean {
  const applying = (endpoint: Endpoint, type: 'Ingress' | 'Egress') =>
    policies.filter(
      (policy) =>
        namespaceOf(policy) === endpoint.namespace &&
        selects(policy.spec.podSelector, endpoint.labels) &&
        (policy.spec.policyTypes ?? ['Ingress']).includes(type),
    );
  const egress = applying(source, 'Egress');
  const egressOk =
    egress.length === 0 ||
    egress.some((policy) =>
      (policy.spec.egress ?? []).some(
        (rule) =>
          (rule.to ?? [{}]).some((peer) => peerMatches(peer, namespaceOf(policy), target)) &&
          portMatches(rule.ports, port, target),
      ),
    );
  const ingress = applying(target, 'Ingress');
  const ingressOk =
    ingress.length === 0 ||
    ingress.some((policy) =>
      (policy.spec.ingress ?? []).some(
        (rule) =>
          (rule.from ?? [{}]).some((peer) => peerMatches(peer, namespaceOf(policy), source)) &&
          portMatches(rule.ports, port, target),
      ),
    );
  return egressOk && ingressOk;
}
