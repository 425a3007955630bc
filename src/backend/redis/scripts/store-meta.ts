/**
 * store-meta: write a task's result meta with a TTL unless a SUCCESS is stored (SUCCESS is
 * sticky, checked in the same script as the write, as Celery's `_store_result` checks it).
 *
 * KEYS[1]  result meta key (`celery-task-meta-<id>`)
 * ARGV[1]  the meta JSON to store
 * ARGV[2]  TTL, ms
 * ARGV[3]  `"1"` to also PUBLISH the meta on the key's channel (what Celery's Redis backend
 *          does, so Python clients blocked in `AsyncResult.get()` wake up), else `"0"`
 *
 * Returns `{calls, stored}`: stored is 1 when written, 0 when refused because SUCCESS is stored.
 *
 * The common path is one write: `SET key meta PX ttl GET` swaps the value in and returns the
 * old one; only when the old one was a SUCCESS does a second SET put it back (with its TTL
 * refreshed to ARGV[2]). Scripts are atomic, so no reader ever sees the swapped value.
 *
 * redis.calls (billed, on top of the EVALSHA):
 *   1  stored (SET PX GET)
 *   2  refused (+ SET PX restoring the SUCCESS)
 *   +1 when ARGV[3] is "1" and the meta was stored (PUBLISH)
 * Needs Redis ≥ 6.2 (SET … GET).
 * @module
 */
import { SUCCESS } from "../../../states.ts";
import { LuaScript } from "./script.ts";
import { LUA_STATUS_OF, luaString } from "./lua-helpers.ts";

export const storeMetaScript = new LuaScript(
  "store-meta",
  `${LUA_STATUS_OF}
local old = redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'GET')
if old and statusOf(old) == ${luaString(SUCCESS)} then
  redis.call('SET', KEYS[1], old, 'PX', ARGV[2])
  return {2, 0}
end
if ARGV[3] == '1' then
  redis.call('PUBLISH', KEYS[1], ARGV[1])
  return {2, 1}
end
return {1, 1}
`,
);
