import type { Manifests } from './manifests.ts';

/**
 * What Istio's demo profile adds: each sidecar and each of istiod and the two gateways request
 * this much (`istioctl manifest generate --set profile=demo`, Istio 1.31: sidecar and gateways
 * 10m/40Mi, istiod 10m/100Mi).
 */
export const SIDECAR = { cpu: 10, memory: 40 };
export const ISTIO_CONTROL_PLANE = { cpu: 30, memory: 180 };

interface Container {
  resources?: { requests?: { cpu?: string; memory?: string } };
}

const millicores = (value = '0') =>
  value.endsWith('m') ? Number(value.slice(0, -1)) : Number(value) * 1000;
const mebibytes = (value = '0') => {
  const [, number = '0', unit = ''] = /^(\d+(?:\.\d+)?)(Mi|Gi|M|G)?$/.exec(value) ?? [];
  const factor = { Mi: 1, Gi: 1024, M: 1e6 / 2 ** 20, G: 1e9 / 2 ** 20, '': 1 / 2 ** 20 }[unit];
  return Math.ceil(Number(number) * (factor ?? 1));
};

/**
 * CPU (millicores) and memory (MiB) the app's pods request with their sidecars, at the replica
 * count they start with (a HorizontalPodAutoscaler's minReplicas), and at its maxReplicas.
 */
export function appRequests(manifests: Manifests) {
  const total = { cpu: 0, memory: 0, cpuAtMax: 0, memoryAtMax: 0 };
  for (const deployment of manifests.ofKind('Deployment')) {
    const pod = (deployment.spec?.template as { spec: Record<string, Container[] | undefined> })
      .spec;
    const sum = (containers: Container[] = []) =>
      containers.reduce(
        (acc, { resources }) => ({
          cpu: acc.cpu + millicores(resources?.requests?.cpu),
          memory: acc.memory + mebibytes(resources?.requests?.memory),
        }),
        { cpu: SIDECAR.cpu, memory: SIDECAR.memory },
      );
    // Init containers run before the others, so a pod requests the larger of the two.
    const main = sum(pod.containers);
    const init = (pod.initContainers ?? []).map((container) => sum([container]));
    const cpu = Math.max(main.cpu, ...init.map((each) => each.cpu));
    const memory = Math.max(main.memory, ...init.map((each) => each.memory));
    const autoscaler = manifests
      .ofKind('HorizontalPodAutoscaler')
      .find(
        (hpa) =>
          (hpa.spec?.scaleTargetRef as { name: string } | undefined)?.name ===
          deployment.metadata.name,
      );
    const replicas = Number(autoscaler?.spec?.minReplicas ?? deployment.spec?.replicas ?? 1);
    const maxReplicas = Number(autoscaler?.spec?.maxReplicas ?? replicas);
    total.cpu += cpu * replicas;
    total.memory += memory * replicas;
    total.cpuAtMax += cpu * maxReplicas;
    total.memoryAtMax += memory * maxReplicas;
  }
  return total;
}
