/**
 * Time limits as abort signals: the soft limit aborts `ctx.signal` with `SoftTimeLimitExceeded`
 * (raised inside the task at its next await on the signal or the context); the hard limit
 * abandons the attempt with `TimeLimitExceeded`.
 * @module
 */
import { SoftTimeLimitExceeded, TimeLimitExceeded } from "../errors.ts";

/** Timer functions, injectable for tests. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/**
 * Run `fn` under the limits. `controller` is the task's abort controller (its signal is
 * `ctx.signal`). Resolves with `fn`'s value or rejects with its error, `SoftTimeLimitExceeded`
 * (when `fn` rejects because of the soft abort) or `TimeLimitExceeded`.
 */
export function withTimeLimits<T>(
  fn: () => Promise<T>,
  limits: { softMs?: number; hardMs?: number },
  controller: AbortController,
  timers: Timers = realTimers,
): Promise<T> {
  const handles: unknown[] = [];
  const cleanup = () => handles.forEach((h) => timers.clearTimeout(h));
  if (limits.softMs !== undefined) {
    handles.push(timers.setTimeout(() => controller.abort(new SoftTimeLimitExceeded(`Soft time limit (${limits.softMs} ms) exceeded`)), limits.softMs));
  }
  const run = fn();
  if (limits.hardMs === undefined) return run.finally(cleanup);
  const hard = new Promise<never>((_, reject) => {
    handles.push(timers.setTimeout(() => {
      const error = new TimeLimitExceeded(`Time limit (${limits.hardMs} ms) exceeded`);
      if (!controller.signal.aborted) controller.abort(error);
      reject(error);
    }, limits.hardMs!));
  });
  run.catch(() => {}); // an abandoned attempt may still reject later; nobody is listening then
  return Promise.race([run, hard]).finally(cleanup);
}
