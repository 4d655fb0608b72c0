import { readFileSync } from 'node:fs';

// USER_HZ is 100 on Linux on every architecture Node.js supports.
export const CLOCK_TICKS_PER_SECOND = 100;

/**
 * CPU time all processes of the machine used so far (busy time of every core), in seconds;
 * undefined where /proc is missing. Minus what the benchmark's own processes used, it shows how
 * much of the machine something else took during a run.
 */
export function machineCpuSeconds(): number | undefined {
  try {
    // cpu  user nice system idle iowait irq softirq steal …
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]?.split(/\s+/).slice(1) ?? [];
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] =
      fields.map(Number);
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}
