/**
 * TTL validation shared by the backend implementations: every key celeriac writes expires.
 * @module
 */
import { ConfigError } from "../errors.ts";

/**
 * Check that `ms` is a usable TTL and round it up to whole milliseconds (Redis `PX` takes
 * integers). Throws `ConfigError` naming `what` when `ms` is missing, not finite or ≤ 0,
 * because a key without a TTL never goes away (Celery's most reported result-backend leak).
 */
export function requireTtl(ms: number, what: string): number {
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms <= 0) {
    throw new ConfigError(
      `${what} must be a TTL in milliseconds greater than 0, got ${String(ms)}. ` +
        "celeriac gives every key it writes a TTL: keys without one pile up forever " +
        "(TTL-less result keys are Celery's most reported leak).",
    );
  }
  return Math.ceil(ms);
}
