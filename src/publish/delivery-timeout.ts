/**
 * The delivery timeout the broker is given for a task's messages (QStash `Upstash-Timeout`): its
 * hard time limit plus 5 s, or none (the broker's default) without one. The publisher sets it;
 * the worker reads the same figure to answer a duplicate delivery well within it.
 * @module
 */

/** The per-delivery HTTP timeout, in seconds, for a task with these options; undefined without a time limit. */
export function deliveryTimeoutSec(options: { timeLimitMs?: number | undefined }): number | undefined {
  return options.timeLimitMs === undefined ? undefined : Math.ceil(options.timeLimitMs / 1000) + 5;
}
