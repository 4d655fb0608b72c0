import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface ServiceProcess {
  url: string;
  /** Health and metrics. */
  managementUrl: string;
  process: ChildProcess;
  /** Every JSON log line printed so far. */
  logs: Record<string, unknown>[];
  /** Sends the signal (SIGTERM by default) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts a service's real `main.ts` as its own process, on free ports, and resolves once it
 * logged that both its listeners listen.
 */
export async function startServiceProcess(
  app: 'articles' | 'web-api',
  env: Record<string, string>,
): Promise<ServiceProcess> {
  const cwd = fileURLToPath(new URL(`../../apps/${app}`, import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: '0',
      MANAGEMENT_PORT: '0',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const logs: Record<string, unknown>[] = [];
  const urls: { api?: string; management?: string } = {};
  const listening = new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${app} exited with ${code} before listening`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      logs.push(entry);
      if (entry.msg !== 'listening') return;
      urls[entry.listener === 'management' ? 'management' : 'api'] = String(entry.url);
      if (urls.api && urls.management) resolve();
    });
  });
  await listening;
  return {
    url: urls.api ?? '',
    managementUrl: urls.management ?? '',
    process: child,
    logs,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null) return child.exitCode;
      child.kill(signal);
      const [code] = (await once(child, 'exit')) as [number | null];
      return code;
    },
  };
}
