/**
 * store-attempt-meta: a running attempt's write (progress, RETRY, its outcome), fenced by its
 * claim. The write happens only while the claim still holds the attempt's token and the id is
 * not revoked; it then follows `store-meta`'s precedence. With close, the claim is closed in the
 * same step (its token marked, keys.ts `closedClaimValue`): the attempt's later writes are
 * refused, and no delivery takes the claim over. An empty ARGV[1] only checks (and closes).
 *
 * KEYS[1]  result meta key (`celery-task-meta-<id>`)
 * KEYS[2]  claim key (`celeriac:claim:<id>:<retries>`)
 * KEYS[3]  tombstone key (`celeriac:revoked:<id>`)
 * ARGV[1]  the meta JSON to store, or `""` to only check the fence
 * ARGV[2]  the status of ARGV[1]
 * ARGV[3]  TTL, ms
 * ARGV[4]  `"1"` to PUBLISH the meta when stored, else `"0"`
 * ARGV[5]  the attempt's claim token
 * ARGV[6]  `"1"` to close the claim, else `"0"`
 *
 * Returns `{calls, code}`: 1 stored (or checked), 2 kept by the precedence, 3 fenced (the claim
 * is not the attempt's), 4 revoked.
 *
 * redis.calls (billed, on top of the EVALSHA):
 *   1  fenced, revoked, or a check (MGET claim + tombstone)
 *   2  stored (+ SET PX GET); 3 when refused by the precedence (+ SET restoring)
 *   +1 PUBLISH when ARGV[4] is "1" and stored; +1 when closing (SET KEEPTTL)
 * Needs Redis ≥ 6.2 (SET … GET, KEEPTTL).
 * @module
 */
import { LuaScript } from "./script.ts";
import { LUA_FENCE, LUA_HOLDER_OF, LUA_READY, LUA_STATUS_OF, LUA_WRITE_META } from "./lua-helpers.ts";

/** Reply codes of the store-attempt-meta script. */
export const ATTEMPT_WRITE_CODE = { stored: 1, kept: 2, fenced: 3, revoked: 4 } as const;

export const storeAttemptMetaScript = new LuaScript(
  "store-attempt-meta",
  `${LUA_STATUS_OF}
${LUA_READY}
${LUA_WRITE_META}
${LUA_HOLDER_OF}
${LUA_FENCE}
local calls, refused = fence(KEYS[2], KEYS[3], ARGV[5], ARGV[6])
if refused then return {calls, refused} end
if ARGV[1] == '' then return {calls, 1} end
local c, stored = writeMeta(KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4])
if stored == 1 then return {calls + c, 1} end
return {calls + c, 2}
`,
);
