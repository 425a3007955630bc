/**
 * Calling options of `send` / `applyAsync`, Celery's `apply_async` options camelCased.
 * @module
 */
import type { Duration } from "../duration.ts";

export interface SendOptions {
  /** Use this task id instead of a random UUID. */
  id?: string | undefined;
  /** Run no earlier than this many seconds from now. */
  countdown?: number | undefined;
  /** Run no earlier than this time (wins over `countdown`). */
  eta?: Date | string | number | undefined;
  /** After this time (a Date) or duration from now, the message is REVOKED (expired) without running. */
  expires?: Date | Duration | undefined;
  /** Queue name (kept on the result; broker queues are FIFO). */
  queue?: string | undefined;
  /** Store no result for this call. */
  ignoreResult?: boolean | undefined;
  /** The same key returns the same task id within the window and publishes once. */
  idempotencyKey?: string | undefined;
  /** What logs and results show instead of the input (hide secrets). */
  argsrepr?: string | undefined;
  /** Custom headers carried in the envelope. */
  headers?: Record<string, string> | undefined;
  /** Parent task id (set automatically when sending from inside a task). */
  parentId?: string | undefined;
  /** Root task id (set automatically when sending from inside a task). */
  rootId?: string | undefined;
  /** Set by schedule engines: the schedule that fired this message and its tick (ISO), shown in `ctx.request.schedule`. */
  schedule?: { name: string; tick: string } | undefined;
}
