/**
 * store-meta: write a task's result meta with a TTL, following Celery's precedence, checked in
 * the same script as the write (as Celery's `_store_result` checks it): a stored SUCCESS is
 * never overwritten, and a READY state (SUCCESS, FAILURE, REVOKED) is never replaced by a
 * non-ready one. Writes that belong to a running attempt go through `store-attempt-meta`.
 *
 * KEYS[1]  result meta key (`celery-task-meta-<id>`)
 * ARGV[1]  the meta JSON to store
 * ARGV[2]  TTL, ms
 * ARGV[3]  `"1"` to also PUBLISH the meta on the key's channel (what Celery's Redis backend
 *          does, so Python clients blocked in `AsyncResult.get()` wake up), else `"0"`
 * ARGV[4]  the status of ARGV[1] (so the script does not decode the new meta)
 *
 * Returns `{calls, stored}`: stored is 1 when written, 0 when refused by the precedence.
 *
 * The common path is one write: `SET key meta PX ttl GET` swaps the value in and returns the
 * old one; only when the old one must stay does a second SET put it back (with its TTL
 * refreshed to ARGV[2]). Scripts are atomic, so no reader ever sees the swapped value.
 *
 * redis.calls (billed, on top of the EVALSHA):
 *   1  stored (SET PX GET)
 *   2  refused (+ SET PX restoring the old meta)
 *   +1 when ARGV[3] is "1" and the meta was stored (PUBLISH)
 * Needs Redis ≥ 6.2 (SET … GET).
 * @module
 */
import { LuaScript } from "./script.ts";
import { LUA_READY, LUA_STATUS_OF, LUA_WRITE_META } from "./lua-helpers.ts";

export const storeMetaScript = new LuaScript(
  "store-meta",
  `${LUA_STATUS_OF}
${LUA_READY}
${LUA_WRITE_META}
local calls, stored = writeMeta(KEYS[1], ARGV[1], ARGV[4], ARGV[2], ARGV[3])
return {calls, stored}
`,
);
