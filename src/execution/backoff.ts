/**
 * Retry delays, exactly as Celery computes them (`get_exponential_backoff_interval` and the
 * autoretry wrapper), as pure functions of `(retries, options, random)`.
 * @module
 */

/**
 * Celery's exponential backoff: `min(maximum, factor · 2^retries)`, then full jitter (a uniform
 * integer in `[0, countdown]`). The cap is applied before the jitter. Seconds.
 */
export function exponentialBackoff(factor: number, retries: number, maximum: number, fullJitter: boolean, random: () => number = Math.random): number {
  let countdown = Math.min(maximum, factor * 2 ** retries);
  if (fullJitter) countdown = Math.floor(random() * (Math.floor(countdown) + 1));
  return Math.max(0, countdown);
}

/** The options autoretry reads. */
export interface AutoretryBackoffOptions {
  retryBackoff: boolean | number;
  retryBackoffMax: number;
  retryJitter: boolean;
  retryKwargs: { countdown?: number };
}

/**
 * The countdown (seconds) an autoretry passes to `retry()`, or undefined when it passes none —
 * in which case `retry()` waits `defaultRetryDelay` (180 s): Celery's quirk, kept on purpose.
 * `retryBackoff: true` is factor 1; a number is truncated to an integer factor of at least 1.
 */
export function autoretryCountdown(retries: number, o: AutoretryBackoffOptions, random: () => number = Math.random): number | undefined {
  if (o.retryBackoff) {
    const factor = Math.trunc(Math.max(1, Number(o.retryBackoff)));
    return exponentialBackoff(factor, retries, Math.trunc(o.retryBackoffMax), o.retryJitter, random);
  }
  return o.retryKwargs.countdown;
}
