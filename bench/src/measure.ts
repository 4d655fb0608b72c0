import { load, type Credentials } from './load.ts';
import { machineCpuSeconds } from './machine-cpu.ts';
import type { Server } from './processes.ts';
import type { Run } from './report.ts';

export interface Target {
  name: string;
  url: string;
  /** The service processes a request goes through. */
  through: readonly Server[];
}

/**
 * One load run, with what each process it went through spent on it, and what the rest of the
 * machine did meanwhile (everything but `all`, the benchmark's own processes).
 */
export async function measure(
  target: Target,
  {
    connections,
    seconds,
    credentials,
  }: { connections: number; seconds: number; credentials: Credentials },
  all: readonly Server[],
): Promise<Run> {
  // The metrics scrape costs the service CPU too: keep it outside the measured window.
  const before = await Promise.all(
    target.through.map(async (server) => ({
      gc: await server.gcSeconds(),
      cpu: server.cpuSeconds(),
    })),
  );
  const machineBefore = machineCpuSeconds();
  const ownBefore = ownCpuSeconds(all);
  const result = await load(target.url, connections, seconds, credentials);
  const machineAfter = machineCpuSeconds();
  const ownAfter = ownCpuSeconds(all);
  const after = await Promise.all(
    target.through.map(async (server) => ({
      cpu: server.cpuSeconds(),
      gc: await server.gcSeconds(),
    })),
  );
  const services = target.through.map((server, index) => {
    const [start, end] = [before[index], after[index]];
    const cpu =
      start?.cpu === undefined || end?.cpu === undefined ? undefined : end.cpu - start.cpu;
    const gc = start?.gc === undefined || end?.gc === undefined ? undefined : end.gc - start.gc;
    return {
      name: server.name,
      cpuUs: cpu === undefined ? undefined : Math.round((cpu * 1e6) / result.requests),
      gcShare: cpu && gc !== undefined ? Number((gc / cpu).toFixed(3)) : undefined,
    };
  });
  // What the machine did besides the benchmark: other tenants and noise, in cores.
  const otherCores =
    machineBefore === undefined ||
    machineAfter === undefined ||
    ownBefore === undefined ||
    ownAfter === undefined
      ? undefined
      : Number(
          Math.max(0, (machineAfter - machineBefore - (ownAfter - ownBefore)) / seconds).toFixed(2),
        );
  return {
    target: target.name,
    connections,
    ...result,
    cpuUsPerRequest: Object.fromEntries(services.map((service) => [service.name, service.cpuUs])),
    gcShare: Object.fromEntries(services.map((service) => [service.name, service.gcShare])),
    otherCores,
  };
}

/** CPU time of this process and of the given servers, in seconds. */
function ownCpuSeconds(servers: readonly Server[]): number | undefined {
  let total = 0;
  for (const server of servers) {
    const cpu = server.cpuSeconds();
    if (cpu === undefined) return undefined;
    total += cpu;
  }
  const own = process.cpuUsage();
  return total + (own.user + own.system) / 1e6;
}
