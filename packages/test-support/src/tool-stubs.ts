import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

/** The cluster tools: never run for real here (there is no cluster), only stubbed or absent. */
export const CLUSTER_TOOLS = ['kubectl', 'minikube', 'istioctl'];

/**
 * A directory holding every command of the test's PATH except the given ones, so that a script
 * run with PATH=<it> finds bash, curl and openssl, but not, say, kubectl.
 */
export function pathWithout(directory: string, excluded: string[]): string {
  mkdirSync(directory, { recursive: true });
  const linked = new Set(readdirSync(directory));
  for (const entry of (process.env.PATH ?? '').split(delimiter)) {
    if (!entry || !existsSync(entry)) continue;
    const source = resolve(entry);
    for (const name of readdirSync(source)) {
      if (excluded.includes(name) || linked.has(name)) continue;
      symlinkSync(join(source, name), join(directory, name));
      linked.add(name);
    }
  }
  return directory;
}

export interface Stubs {
  /** PATH for the script: the stubs first, then everything but the real cluster tools. */
  path: string;
  /** Every stub call so far, as `tool arg arg …`, one per line. */
  calls(): string[];
  /** What the stubs received on stdin, one file per call that read it. */
  inputs(): string[];
}

/**
 * Writes stub executables. Each one logs its arguments, saves its stdin when the last argument is
 * `-` (as in `kubectl apply -f -`), then runs the given bash body with the arguments in "$@".
 */
export function createStubs(
  directory: string,
  basePath: string,
  bodies: Partial<Record<string, string>>,
): Stubs {
  const bin = join(directory, 'stubs');
  mkdirSync(bin, { recursive: true });
  const log = join(directory, 'calls.log');
  const inputs = join(directory, 'inputs');
  mkdirSync(inputs, { recursive: true });
  writeFileSync(log, '');
  for (const [tool, body] of Object.entries(bodies)) {
    const script = [
      '#!/usr/bin/env bash',
      `printf '%s\\n' "${tool} $*" >>'${log}'`,
      `if [ "\${*: -1}" = - ]; then cat >"${inputs}/$(date +%s%N)"; fi`,
      body ?? '',
    ].join('\n');
    writeFileSync(join(bin, tool), `${script}\n`);
    chmodSync(join(bin, tool), 0o755);
  }
  return {
    path: `${bin}${delimiter}${basePath}`,
    calls: () => readFileSync(log, 'utf8').split('\n').filter(Boolean),
    inputs: () =>
      readdirSync(inputs)
        .sort()
        .map((name) => readFileSync(join(inputs, name), 'utf8')),
  };
}
