import { readdirSync, readFileSync } from 'node:fs';
import { parseAllDocuments, parse } from 'yaml';
import { ROOT } from './run-script.ts';

/** The parts of the manifests the lab checks read. */
export interface KubeObject {
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  /** File the object came from, relative to the repository root. */
  source: string;
}

interface Kustomization {
  namespace?: string;
  resources?: string[];
  configMapGenerator?: { name: string; literals?: string[]; files?: string[] }[];
}

function documents(path: string): KubeObject[] {
  return parseAllDocuments(readFileSync(`${ROOT}${path}`, 'utf8'))
    .map((document) => document.toJS() as KubeObject | null)
    .filter((object): object is KubeObject => object !== null)
    .map((object) => ({ ...object, source: path }));
}

export interface Manifests {
  objects: KubeObject[];
  /** The generated ConfigMaps' literals by ConfigMap name, e.g. `oidc-config` → `OIDC_ISSUER`. */
  literals: Record<string, Record<string, string>>;
  /** Files of istio/, relative to the repository root. */
  istioFiles: string[];
  find(kind: string, name: string): KubeObject;
  ofKind(kind: string): KubeObject[];
}

/**
 * k8s/ as its kustomization lists it (the kustomization's namespace applied), and istio/ file by
 * file. Read straight from the files, so a renamed object or port shows up in the lab checks.
 */
export function loadManifests(): Manifests {
  const kustomization = parse(
    readFileSync(`${ROOT}k8s/kustomization.yaml`, 'utf8'),
  ) as Kustomization;
  const namespace = kustomization.namespace;
  const k8s = (kustomization.resources ?? []).flatMap((resource) =>
    documents(`k8s/${resource}`).map((object) =>
      object.kind === 'Namespace' || !namespace
        ? object
        : { ...object, metadata: { ...object.metadata, namespace } },
    ),
  );
  const istioFiles = readdirSync(`${ROOT}istio`)
    .filter((file) => /\.ya?ml$/.test(file))
    .sort()
    .map((file) => `istio/${file}`);
  const objects = [...k8s, ...istioFiles.flatMap(documents)];
  const literals = Object.fromEntries(
    (kustomization.configMapGenerator ?? []).map((generator) => [
      generator.name,
      Object.fromEntries(
        (generator.literals ?? []).map((literal) => {
          const at = literal.indexOf('=');
          return [literal.slice(0, at), literal.slice(at + 1)];
        }),
      ),
    ]),
  );
  const ofKind = (kind: string) => objects.filter((object) => object.kind === kind);
  return {
    objects,
    literals,
    istioFiles,
    ofKind,
    find(kind, name) {
      const found = ofKind(kind).find((object) => object.metadata.name === name);
      if (!found) throw new Error(`the manifests have no ${kind} ${name}`);
      return found;
    },
  };
}

export interface Realm {
  realm: string;
  accessTokenLifespan: number;
  users: { username: string; realmRoles?: string[] }[];
  clients: { clientId: string; redirectUris?: string[] }[];
}

export function loadRealm(): Realm {
  return JSON.parse(readFileSync(`${ROOT}k8s/keycloak/quarkus-realm.json`, 'utf8')) as Realm;
}

/** The Gateway's HTTPS server: its host and the TLS secret it reads. */
export function ingressTls(manifests: Manifests): { host: string; credentialName: string } {
  const [gateway] = manifests.ofKind('Gateway');
  const servers = (gateway?.spec?.servers ?? []) as {
    port: { protocol: string };
    hosts: string[];
    tls?: { credentialName?: string };
  }[];
  const https = servers.find((server) => server.port.protocol === 'HTTPS');
  const host = https?.hosts[0];
  const credentialName = https?.tls?.credentialName;
  if (!host || !credentialName)
    throw new Error('the Gateway has no HTTPS server with a credential');
  return { host, credentialName };
}
