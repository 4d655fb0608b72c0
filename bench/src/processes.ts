import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { CLOCK_TICKS_PER_SECOND } from './machine-cpu.ts';

export interface Server {
  name: string;
  url: string;
  pid: number | undefined;
  /** Peak resident set size so far, in MB, from the kernel's high-water mark. */
  peakRssMb(): number | undefined;
  /** CPU time (user + system) used so far, in seconds; undefined where /proc is missing. */
  cpuSeconds(): number | undefined;
  /**
   * Time the main thread spent paused for garbage collection so far, in seconds, from the
   * service's own Prometheus metrics on its management port; undefined for a process without them.
   */
  gcSeconds(): Promise<number | undefined>;
  stop(): Promise<void>;
}

/**
 * Runs a bundled entry point in production mode and waits until it logs that it listens;
 * `wrapper` runs Node under another program, e.g. valgrind.
 */
export async function startServer(
  name: string,
  entry: string,
  env: Record<string, string>,
  nodeFlags: readonly string[] = [],
  wrapper: readonly string[] = [],
): Promise<Server> {
  const [command = process.execPath, ...args] = [...wrapper, process.execPath, ...nodeFlags, entry];
  const child: ChildProcess = spawn(command, args, {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      MANAGEMENT_PORT: '0',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let managementUrl: string | undefined;
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before listening`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      const entry = JSON.parse(line) as {
        msg?: string;
        url?: string;
        level?: string;
        listener?: string;
      };
      // The services also log their management listener; the API one has no `listener` field.
      if (entry.msg === 'listening' && entry.url && entry.listener === 'management')
        managementUrl = entry.url;
      else if (entry.msg === 'listening' && entry.url) resolve(entry.url);
      else if (entry.level === 'error' || entry.level === 'warn') console.error(`${name}: ${line}`);
    });
  });
  return {
    name,
    url,
    pid: child.pid,
    peakRssMb() {
      try {
        const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
        return kb === undefined ? undefined : Math.round(Number(kb) / 1024);
      } catch {
        return undefined; // not Linux
      }
    },
    cpuSeconds() {
      try {
        // Fields 14 and 15 of /proc/<pid>/stat, after the command name in parentheses.
        const fields =
          readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
        return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
      } catch {
        return undefined;
      }
    },
    async gcSeconds() {
      if (managementUrl === undefined) return undefined;
      const response = await fetch(`${managementUrl}/metrics`).catch(() => undefined);
      if (response?.status !== 200) return undefined;
      // nodejs_gc_duration_seconds_sum{kind="minor",service="…"} 0.123
      const sums = [
        ...(await response.text()).matchAll(/^nodejs_gc_duration_seconds_sum\{.*\} (\S+)$/gm),
      ];
      return sums.length === 0 ? undefined : sums.reduce((sum, match) => sum + Number(match[1]), 0);
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
