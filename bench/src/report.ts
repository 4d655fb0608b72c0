import type { LoadResult } from './load.ts';

export interface Run extends LoadResult {
  target: string;
  connections: number;
  /** CPU time per request of each service process the request went through, in µs. */
  cpuUsPerRequest: Record<string, number | undefined>;
  /** Share of each service's CPU time spent with its main thread paused for GC. */
  gcShare: Record<string, number | undefined>;
  /** Cores' worth of CPU the machine spent outside the benchmark's processes during the run. */
  otherCores: number | undefined;
}

const pad = (value: string | number, width: number) => String(value).padStart(width);

/** A fixed-width table, one line per run. */
export function formatRuns(runs: readonly Run[]): string {
  const header = `${'target'.padEnd(20)}${pad('conns', 6)}${pad('req/s', 8)}${pad('p50 ms', 8)}${pad('p99 ms', 8)}${pad('errors', 8)}${pad('load µs', 9)}${pad('others', 8)}   CPU µs per request (GC pauses)`;
  const lines = runs.map((run) => {
    const cpu = Object.entries(run.cpuUsPerRequest)
      .map(([process, us]) => {
        const gc = run.gcShare[process];
        return `${process} ${us ?? '?'}${gc === undefined ? '' : ` (${(100 * gc).toFixed(0)} %)`}`;
      })
      .join(', ');
    return `${run.target.padEnd(20)}${pad(run.connections, 6)}${pad(run.rps, 8)}${pad(run.p50Ms, 8)}${pad(run.p99Ms, 8)}${pad(run.errors, 8)}${pad(run.loadGeneratorUsPerRequest, 9)}${pad(run.otherCores ?? '?', 8)}   ${cpu}`;
  });
  return [header, '-'.repeat(header.length), ...lines].join('\n');
}

export interface Check {
  name: string;
  value: string;
  target: string;
  met: boolean;
}

export function formatChecks(checks: readonly Check[]): string {
  return checks
    .map(
      (check) =>
        `${check.met ? 'met ' : 'MISS'}  ${check.name.padEnd(40)}${check.value.padStart(14)}   target ${check.target}`,
    )
    .join('\n');
}
