/**
 * revoke: write the revoke tombstone and, unless a READY state (SUCCESS, FAILURE, REVOKED) is
 * stored, store the REVOKED meta. Claims of any attempt of the id then answer `revoked`.
 *
 * KEYS[1]  result meta key (`celery-task-meta-<id>`)
 * KEYS[2]  tombstone key   (`celeriac:revoked:<id>`)
 * ARGV[1]  the REVOKED meta JSON
 * ARGV[2]  TTL of the tombstone and of the meta, ms
 * ARGV[3]  the tombstone JSON (`{"reason": …}`)
 * ARGV[4]  `"1"` to PUBLISH the stored meta on the key's channel (as Celery does), else `"0"`
 *
 * Returns `{calls, stored}`: stored is 1 when the REVOKED meta was written, 0 when a READY
 * state was kept.
 *
 * redis.calls (billed, on top of the EVALSHA):
 *   2  a READY state is stored (SET tombstone, GET meta)
 *   3  meta written (+ SET meta PX)
 *   +1 when ARGV[4] is "1" and the meta was written (PUBLISH)
 * @module
 */
import { LuaScript } from "./script.ts";
import { LUA_READY, LUA_STATUS_OF } from "./lua-helpers.ts";

export const revokeScript = new LuaScript(
  "revoke",
  `${LUA_STATUS_OF}
${LUA_READY}
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[2])
local status = statusOf(redis.call('GET', KEYS[1]))
if status and READY[status] then return {2, 0} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if ARGV[4] == '1' then
  redis.call('PUBLISH', KEYS[1], ARGV[1])
  return {4, 1}
end
return {3, 1}
`,
);
