/**
 * acquire-attempt-lock: `ctx.lock()` of a running attempt. Takes the lock (SET NX PX) only while
 * the attempt holds its claim and the id is not revoked, so an abandoned attempt cannot take a
 * lock another run then waits for.
 *
 * KEYS[1]  lock key (`celeriac:lock:<key>`)
 * KEYS[2]  claim key (`celeriac:claim:<id>:<retries>`)
 * KEYS[3]  tombstone key (`celeriac:revoked:<id>`)
 * ARGV[1]  the lock's token
 * ARGV[2]  lock TTL, ms
 * ARGV[3]  the attempt's claim token
 *
 * Returns `{calls, code}`: 1 acquired, 2 busy (held by another token), 3 fenced, 4 revoked.
 *
 * redis.calls (billed, on top of the EVALSHA): 2 when the fence holds (MGET, SET NX PX), else 1.
 * @module
 */
import { LuaScript } from "./script.ts";
import { LUA_HOLDER_OF } from "./lua-helpers.ts";

/** Reply codes of the acquire-attempt-lock script. */
export const LOCK_CODE = { acquired: 1, busy: 2, fenced: 3, revoked: 4 } as const;

export const acquireAttemptLockScript = new LuaScript(
  "acquire-attempt-lock",
  `${LUA_HOLDER_OF}
local found = redis.call('MGET', KEYS[2], KEYS[3])
local _, holder = holderOf(found[1])
if holder ~= ARGV[3] then return {1, 3} end
if found[2] then return {1, 4} end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return {2, 1} end
return {2, 2}
`,
);
