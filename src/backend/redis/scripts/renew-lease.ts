/**
 * renew-lease: the heartbeat of a running attempt. Moves its claim's lease deadline forward
 * while the claim still holds the attempt's token; tells the attempt when it lost the claim
 * (closed, declared lost, taken over) or when the id was revoked.
 *
 * KEYS[1]  claim key (`celeriac:claim:<id>:<retries>`)
 * KEYS[2]  tombstone key (`celeriac:revoked:<id>`)
 * ARGV[1]  the new claim value, `"<now + leaseMs> <token>"`
 * ARGV[2]  the attempt's token
 * ARGV[3]  claim key TTL, ms
 *
 * Returns `{calls, code}`: 1 renewed, 2 lost, 3 revoked.
 *
 * redis.calls (billed, on top of the EVALSHA): 2 when renewed (MGET, SET PX), else 1 (MGET).
 * @module
 */
import { LuaScript } from "./script.ts";
import { LUA_HOLDER_OF } from "./lua-helpers.ts";

/** Reply codes of the renew-lease script. */
export const RENEW_CODE = { renewed: 1, lost: 2, revoked: 3 } as const;

export const renewLeaseScript = new LuaScript(
  "renew-lease",
  `${LUA_HOLDER_OF}
local found = redis.call('MGET', KEYS[1], KEYS[2])
if found[2] then return {1, 3} end
local _, holder = holderOf(found[1])
if holder ~= ARGV[2] then return {1, 2} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return {2, 1}
`,
);
