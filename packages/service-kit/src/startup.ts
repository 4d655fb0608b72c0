import { ConfigError } from './env.ts';
import type { Logger } from './logger.ts';
import type { RunningService } from './serve.ts';

/**
 * Starts work that spares the first requests a wait, such as fetching the signing keys, without
 * holding up the listener. A failure is logged with its reason; the first requests retry the work.
 *
 * @example
 * ```ts
 * warmUp(logger, () => verifier.loadKeys())
 * ```
 */
export function warmUp(logger: Logger, work: () => Promise<unknown>): void {
  work().catch((error: unknown) => {
    const reason = (error as { reason?: unknown } | undefined)?.reason ?? String(error);
    logger.warn({ reason }, 'warm-up failed; the first requests will retry it');
  });
}

/**
 * Shuts the listeners down gracefully (see {@link RunningService.shutdown}), one after another in
 * the order given, on SIGTERM, what Kubernetes sends, and on SIGINT, Ctrl-C in a terminal. Give
 * the API listener first: the management listener then keeps answering readiness with 503 until
 * the API's last request is done.
 *
 * @example
 * ```ts
 * shutDownOnSignals(service, management)
 * ```
 */
export function shutDownOnSignals(...listeners: Pick<RunningService, 'shutdown'>[]): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      void (async () => {
        for (const listener of listeners) await listener.shutdown();
      })();
    });
  }
}

/**
 * Ends a process that could not start: one clear line for a {@link ConfigError}, the stack for
 * anything else. Exit code 78 is `EX_CONFIG` from sysexits.h.
 *
 * @example
 * ```ts
 * try {
 *   const config = loadConfig()
 *   // …
 * } catch (error) {
 *   exitOnStartupFailure(error)
 * }
 * ```
 */
export function exitOnStartupFailure(error: unknown): never {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(78);
  }
  console.error(error);
  process.exit(1);
}
