/**
 * Waiting for Ctrl-C (SIGINT), SIGTERM or an abort: how the server commands run until stopped.
 * @module
 */

/** Resolves at the first SIGINT or SIGTERM, or when `signal` aborts; removes its listeners. */
export function untilSignal(signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      signal?.removeEventListener("abort", stop);
      resolve();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    if (signal?.aborted) stop();
    else signal?.addEventListener("abort", stop, { once: true });
  });
}
