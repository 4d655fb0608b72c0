/** Whether the process should receive traffic: true from start until shutdown begins. */
export interface Lifecycle {
  readonly ready: boolean;
  /** Marks the process as going away: readiness fails and responses close their connection. */
  drain(): void;
}

/**
 * @example
 * ```ts
 * const lifecycle = createLifecycle()
 * process.once('SIGTERM', () => lifecycle.drain())
 * ```
 */
export function createLifecycle(): Lifecycle {
  let ready = true;
  return {
    get ready() {
      return ready;
    },
    drain() {
      ready = false;
    },
  };
}
