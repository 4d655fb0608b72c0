import {
  namespaceOf,
  selects,
  type AuthorizationPolicySpec,
  type AuthorizationRule,
  type Labels,
  type Typed,
} from './objects.ts';

/** A request as a workload's sidecar sees it. */
export interface MeshRequest {
  /** The caller's mTLS identity, e.g. `cluster.local/ns/demo/sa/web-api`; absent in plain text. */
  principal?: string;
  /** `iss/sub` of a valid JWT, when a RequestAuthentication accepted one. */
  requestPrincipal?: string;
  /** Claims of that JWT, for `when: request.auth.claims[…]` conditions. */
  claims?: Record<string, string>;
  method: string;
  path: string;
  port: number;
}

/** Istio's string matching: exact, `prefix*`, `*suffix` or `*`. */
function matches(patterns: string[], value: string | undefined): boolean {
  if (value === undefined) return false;
  return patterns.some((pattern) => {
    if (pattern === '*') return true;
    if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
    if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1));
    return pattern === value;
  });
}

function ruleMatches(rule: AuthorizationRule, request: MeshRequest): boolean {
  const whenOk = (rule.when ?? []).every(({ key, values, notValues }) => {
    const claim = /^request\.auth\.claims\[([^\]]+)\]$/.exec(key)?.[1];
    if (claim === undefined) throw new Error(`the condition ${key} is not modelled by these tests`);
    const value = request.claims?.[claim];
    // Envoy: a missing claim matches no value, so it satisfies every `notValues`.
    return (!values || matches(values, value)) && (!notValues || !matches(notValues, value));
  });
  const fromOk =
    !rule.from ||
    rule.from.some(({ source }) => {
      if (source.namespaces) throw new Error('source.namespaces is not modelled: use principals');
      return (
        (!source.principals || matches(source.principals, request.principal)) &&
        (!source.notPrincipals || !matches(source.notPrincipals, request.principal)) &&
        (!source.requestPrincipals ||
          matches(source.requestPrincipals, request.requestPrincipal)) &&
        (!source.notRequestPrincipals ||
          !matches(source.notRequestPrincipals, request.requestPrincipal))
      );
    });
  const toOk =
    !rule.to ||
    rule.to.some(({ operation }) => {
      return (
        (!operation.methods || operation.methods.includes(request.method)) &&
        (!operation.paths || matches(operation.paths, request.path)) &&
        (!operation.notPaths || !matches(operation.notPaths, request.path)) &&
        (!operation.ports || operation.ports.includes(String(request.port)))
      );
    });
  return fromOk && toOk && whenOk;
}

/**
 * Istio's decision for a request to a workload: any matching DENY refuses it; otherwise, if any
 * ALLOW policy applies to the workload, one of its rules must match; with none, it is allowed.
 * An ALLOW policy without rules (allow-nothing) applies and matches nothing.
 */
export function isAllowed(
  policies: Typed<AuthorizationPolicySpec>[],
  workload: { namespace: string; labels: Labels },
  request: MeshRequest,
): boolean {
  const applying = policies.filter(
    (policy) =>
      namespaceOf(policy) === workload.namespace &&
      (!policy.spec.selector || selects(policy.spec.selector, workload.labels)),
  );
  const action = (policy: Typed<AuthorizationPolicySpec>) => policy.spec.action ?? 'ALLOW';
  if (applying.some((policy) => !['ALLOW', 'DENY'].includes(action(policy))))
    throw new Error('only ALLOW and DENY policies are modelled by these tests');
  const anyRule = (policy: Typed<AuthorizationPolicySpec>) =>
    (policy.spec.rules ?? []).some((rule) => ruleMatches(rule, request));
  if (applying.filter((policy) => action(policy) === 'DENY').some(anyRule)) return false;
  const allows = applying.filter((policy) => action(policy) === 'ALLOW');
  return allows.length === 0 || allows.some(anyRule);
}
