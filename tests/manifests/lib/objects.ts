/** The parts of Kubernetes and Istio objects the tests read. Everything else stays `unknown`. */

export type Labels = Record<string, string>;

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Labels; annotations?: Labels };
  spec?: unknown;
  data?: Record<string, string>;
  /** Where the object was read from, for messages; not part of the object. */
  source: string;
}

export interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: unknown[];
}

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: string;
}

export interface HttpProbe {
  httpGet?: { path: string; port: number | string };
  exec?: { command: string[] };
  periodSeconds?: number;
  failureThreshold?: number;
}

export interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  runAsGroup?: number;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  privileged?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
  seccompProfile?: { type: string };
}

export interface Container {
  name: string;
  image: string;
  imagePullPolicy?: string;
  command?: string[];
  args?: string[];
  ports?: ContainerPort[];
  env?: {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string } };
  }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  readinessProbe?: HttpProbe;
  livenessProbe?: HttpProbe;
  startupProbe?: HttpProbe;
  resources?: {
    requests?: Record<string, string>;
    limits?: Record<string, string>;
  };
  securityContext?: SecurityContext;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean; subPath?: string }[];
}

export interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  terminationGracePeriodSeconds?: number;
  securityContext?: SecurityContext;
  initContainers?: Container[];
  containers: Container[];
  volumes?: {
    name: string;
    configMap?: { name: string };
    secret?: { secretName: string };
    emptyDir?: unknown;
    persistentVolumeClaim?: { claimName: string };
  }[];
}

export interface DeploymentSpec {
  replicas?: number;
  selector: LabelSelector;
  strategy?: { type?: string };
  template: { metadata: { labels: Labels; annotations?: Labels }; spec: PodSpec };
}

export interface ServiceSpec {
  type?: string;
  selector?: Labels;
  ports: { name?: string; port: number; targetPort?: number | string; nodePort?: number }[];
}

export interface HpaSpec {
  scaleTargetRef: { apiVersion: string; kind: string; name: string };
  minReplicas?: number;
  maxReplicas: number;
}

export interface PdbSpec {
  selector: LabelSelector;
  minAvailable?: number | string;
  maxUnavailable?: number | string;
}

export interface GatewaySpec {
  selector: Labels;
  servers: {
    port: { number: number; name: string; protocol: string };
    hosts: string[];
    tls?: { mode?: string; credentialName?: string; httpsRedirect?: boolean };
  }[];
}

export interface Destination {
  host: string;
  port?: { number: number };
}

export interface VirtualServiceSpec {
  hosts: string[];
  gateways?: string[];
  http: {
    name?: string;
    match?: { uri?: { prefix?: string; exact?: string } }[];
    route?: { destination: Destination }[];
    directResponse?: { status: number };
    timeout?: string;
  }[];
}

export interface DestinationRuleSpec {
  host: string;
}

export interface PeerAuthenticationSpec {
  selector?: LabelSelector;
  mtls?: { mode: string };
  portLevelMtls?: Record<string, { mode: string }>;
}

export interface JwtRule {
  issuer: string;
  jwksUri?: string;
  audiences?: string[];
  forwardOriginalToken?: boolean;
}

export interface RequestAuthenticationSpec {
  selector?: LabelSelector;
  jwtRules: JwtRule[];
}

export interface AuthorizationRule {
  from?: {
    source: {
      principals?: string[];
      notPrincipals?: string[];
      requestPrincipals?: string[];
      notRequestPrincipals?: string[];
      namespaces?: string[];
    };
  }[];
  to?: {
    operation: { methods?: string[]; paths?: string[]; ports?: string[]; notPaths?: string[] };
  }[];
  when?: { key: string; values?: string[]; notValues?: string[] }[];
}

export interface AuthorizationPolicySpec {
  selector?: LabelSelector;
  action?: 'ALLOW' | 'DENY' | 'AUDIT' | 'CUSTOM';
  rules?: AuthorizationRule[];
}

export interface NetworkPolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: unknown;
}

export interface NetworkPolicyPort {
  protocol?: string;
  port?: number | string;
}

export interface NetworkPolicySpec {
  podSelector: LabelSelector;
  policyTypes?: ('Ingress' | 'Egress')[];
  ingress?: { from?: NetworkPolicyPeer[]; ports?: NetworkPolicyPort[] }[];
  egress?: { to?: NetworkPolicyPeer[]; ports?: NetworkPolicyPort[] }[];
}

/** An object with its spec read as a given shape. */
export type Typed<Spec> = KubeObject & { spec: Spec };

/** True if every label the selector asks for is present with that value. */
export function selects(selector: LabelSelector | undefined, labels: Labels): boolean {
  if (selector?.matchExpressions?.length)
    throw new Error('matchExpressions are not modelled by these tests: use matchLabels');
  return Object.entries(selector?.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
}

export const namespaceOf = (object: KubeObject) => object.metadata.namespace ?? 'default';

export const identify = (object: KubeObject) =>
  `${object.kind} ${namespaceOf(object)}/${object.metadata.name} (${object.source})`;
