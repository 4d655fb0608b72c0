import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface ScriptRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Settings the lab scripts read from the environment. A test starts from none of them, so a
 * variable exported in the shell that runs the tests never steers a script.
 */
const LAB_VARIABLES = [
  'TOKEN_URL',
  'INGRESS_URL',
  'INGRESS_ADDRESS',
  'INGRESS_HOST',
  'CA_CERT',
  'TLS_DIR',
  'LAB_TARGET',
  'CLIENT_ID',
  'WEBAPI_URL',
  'ARTICLES_URL',
  'WEBAPP_URL',
  'KEYCLOAK_URL',
  'KEYCLOAK_PORT',
  'WEBAPI_PORT',
  'ARTICLES_PORT',
  'NODE_ADDRESS',
  'MTLS_TIMEOUT',
  'REPORT_TIMEOUT',
  'KUBECONFIG',
];

export interface RunOptions {
  /** Added to (or, with `undefined`, removed from) the test's environment. */
  env?: Record<string, string | undefined>;
  input?: string;
  /** Upper bound for the whole run; the script is killed after it. Default 20 s. */
  timeoutMs?: number;
  cwd?: string;
}

/** Runs a command, by default a script of scripts/, from the repository root. */
export function run(command: string, args: string[], options: RunOptions = {}): Promise<ScriptRun> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of LAB_VARIABLES) delete env[name];
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  const timeoutMs = options.timeoutMs ?? 20_000;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? ROOT,
      env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} ran longer than ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    if (options.input !== undefined) {
      // A command may exit without reading its input.
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(options.input);
    }
  });
}

/** Runs `scripts/<name>`. */
export function runScript(name: string, args: string[] = [], options: RunOptions = {}) {
  return run(`${ROOT}scripts/${name}`, args, options);
}
