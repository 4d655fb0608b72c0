import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const APPS = fileURLToPath(new URL('../../../apps/', import.meta.url));

export interface ServiceProcess {
  /** Base URL of the API, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Base URL of health and metrics. */
  managementUrl: string;
  process: ChildProcess;
  /** Every JSON log line printed so far. */
  logs: Record<string, unknown>[];
  /** Sends the signal (SIGTERM by default) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts a service's real `main.ts` as its own process on free loopback ports, with `env` on top
 * of this process's environment, and resolves once it logged that both its listeners listen.
 *
 * @throws Error when it exits first or does not listen within `timeoutMs`.
 * @example
 * ```ts
 * const articles = await startServiceProcess('articles', { OIDC_ISSUER: idp.issuer, OIDC_JWKS_URI: idp.jwksUri })
 * ```
 */
export async function startServiceProcess(
  app: 'articles' | 'web-api',
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<ServiceProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: `${APPS}${app}`,
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
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`${app} did not listen within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${app} exited with ${code} before listening`));
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      logs.push(entry);
      if (entry.msg !== 'listening') return;
      urls[entry.listener === 'management' ? 'management' : 'api'] = String(entry.url);
      if (urls.api && urls.management) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return {
    url: urls.api ?? '',
    managementUrl: urls.management ?? '',
    process: child,
    logs,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const [code] = (await once(child, 'exit')) as [number | null];
      return code;
    },
  };
}
