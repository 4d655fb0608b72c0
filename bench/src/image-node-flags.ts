import { readFileSync } from 'node:fs';

/**
 * The Node.js options a service's image starts it with (`CMD ["node", ...flags, "main.mjs"]`), so
 * the benchmark measures the service as it runs in the cluster.
 */
export function imageNodeFlags(dockerfile: string): string[] {
  const cmd = /^CMD (\[.*\])\s*$/m.exec(readFileSync(dockerfile, 'utf8'))?.[1];
  if (cmd === undefined) throw new Error(`${dockerfile} has no CMD in exec form`);
  const [program, ...args] = JSON.parse(cmd) as string[];
  if (program !== 'node') throw new Error(`${dockerfile} does not start node`);
  return args.filter((arg) => arg.startsWith('--'));
}
