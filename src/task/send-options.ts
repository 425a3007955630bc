/**
 * Calling options of `send` / `applyAsync`, Celery's `apply_async` options camelCased.
 * @module
 */
import type { Duration } from "../duration.ts";

export interface SendOptions {
  /** Use this task id instead of a random UUID. */
  id?: string;
  /** Run no earlier than this many seconds from now. */
  countdown?: number;
  /** Run no earlier than this time (wins over `countdown`). */
  eta?: Date | string | number;
  /** After this time (a Date) or duration from now, the message is REVOKED (expired) without running. */
  expires?: Date | Duration;
  /** Queue name (kept on the result; broker queues are FIFO). */
  queue?: string;
  /** Store no result for this call. */
  ignoreResult?: boolean;
  /** The same key returns the same task id within the window and publishes once. */
  idempotencyKey?: string;
  /** What logs and results show instead of the input (hide secrets). */
  argsrepr?: string;
  /** Custom headers carried in the envelope. */
  headers?: Record<string, string>;
  /** Parent task id (set automatically when sending from inside a task). */
  parentId?: string;
  /** Root task id (set automatically when sending from inside a task). */
  rootId?: string;
  /** Set by schedule engines: the schedule that fired this message and its tick (ISO), shown in `ctx.request.schedule`. */
  schedule?: { name: string; tick: string };
}
