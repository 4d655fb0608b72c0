import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

const toolsDir = `${repoRoot}.cache/tools`;
const installHint = 'install the validators with `bash tests/manifests/install-tools.sh`';

/** The validators install-tools.sh puts into .cache/tools. */
export const tools = {
  istioctl: `${toolsDir}/bin/istioctl`,
  manifestCheck: `${toolsDir}/bin/manifest-check`,
  meshTest: `${toolsDir}/bin/mesh.test`,
  hadolint: `${toolsDir}/venv/bin/hadolint`,
  kubernetesValidate: `${toolsDir}/venv/bin/kubernetes-validate`,
} as const;

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a validator from .cache/tools, or a program from the PATH, and returns what it printed.
 * A missing program fails the test with the command that installs it.
 */
export function run(
  program: string,
  args: readonly string[],
  options: { cwd?: string; hint?: string } = {},
) {
  const hint = options.hint ?? installHint;
  if (program.startsWith('/') && !existsSync(program))
    throw new Error(`${program} is missing: ${hint}`);
  const result = spawnSync(program, args, {
    cwd: options.cwd ?? repoRoot,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) {
    const code = (result.error as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${program} not found: ${hint}` : result.error.message);
  }
  return {
    status: result.status ?? -1,
    stdout: result.stdout,
    stderr: result.stderr,
  } satisfies RunResult;
}
