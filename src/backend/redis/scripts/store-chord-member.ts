/**
 * store-chord-member: a chord header member's SUCCESS, written as `store-attempt-meta` writes an
 * attempt's outcome (fenced by its claim, Celery's precedence), and counted in its chord in the
 * same step when it was written. The write itself is the member's idempotence: a SUCCESS already
 * stored for this id (a duplicate delivery, a redelivery, a retry that succeeded twice) is kept,
 * not counted. The member whose count reaches the header's size reads every member's result with
 * one MGET of their result keys (their ids are derived from the chord id) and publishes the body.
 *
 * KEYS[1..3], ARGV[1..6]  as store-attempt-meta (result key, claim key, tombstone; meta, status,
 *          TTL, publish, token, close)
 * KEYS[4]  the chord's HASH (`chord-unlock-<chordId>`): `n` → members counted (+2^40 once a
 *          member failed, by chord-join)
 * ARGV[7]  TTL of the chord HASH, ms (set by the first member)
 *
 * Returns `{calls, code, count}`: code as store-attempt-meta; count is the chord's `n` after this
 * member (only when code is 1, stored).
 *
 * redis.calls (billed, on top of the EVALSHA): store-attempt-meta's (MGET + SET PX GET, +PUBLISH),
 * then +1 HINCRBY when stored, +1 PEXPIRE for the first member.
 * @module
 */
import { LuaScript } from "./script.ts";
import { LUA_FENCE, LUA_HOLDER_OF, LUA_READY, LUA_STATUS_OF, LUA_WRITE_META } from "./lua-helpers.ts";

export const storeChordMemberScript = new LuaScript(
  "store-chord-member",
  `${LUA_STATUS_OF}
${LUA_READY}
${LUA_WRITE_META}
${LUA_HOLDER_OF}
${LUA_FENCE}
local calls, refused = fence(KEYS[2], KEYS[3], ARGV[5], ARGV[6])
if refused then return {calls, refused} end
local c, stored = writeMeta(KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4])
calls = calls + c
if stored ~= 1 then return {calls, 2} end
local n = redis.call('HINCRBY', KEYS[4], 'n', 1)
calls = calls + 1
if n == 1 then
  redis.call('PEXPIRE', KEYS[4], ARGV[7])
  calls = calls + 1
end
return {calls, 1, n}
`,
);
