/**
 * mark-lost: settle an attempt whose holder may be gone — a redelivery found its lease over,
 * or the broker gave up on the message (its failure callback). Writes nothing when a READY
 * state is stored or the holder's lease is live; else, when the attempt was claimed, closes the
 * claim (so a late write of the lost holder is refused) and stores ARGV[2] (FAILURE
 * `WorkerLostError`); when it never was, stores ARGV[3].
 *
 * KEYS[1]  result meta key (`celery-task-meta-<id>`)
 * KEYS[2]  claim key (`celeriac:claim:<id>:<retries>`)
 * ARGV[1]  now, epoch ms
 * ARGV[2]  meta JSON to store when the attempt was claimed, or `""`
 * ARGV[3]  meta JSON to store when it was not, or `""`
 * ARGV[4]  TTL of the meta, ms
 * ARGV[5]  `"1"` to PUBLISH the stored meta, else `"0"`
 * ARGV[6]  the attempt's `retries`: a stored state of a later attempt (its `retries` higher), or
 *          this attempt's own RETRY (it retried, then its answer was lost), settles it like a READY state
 *
 * Returns `{calls, code, n, text}`: code 1 settled (text: the stored meta), 2 live (n: lease
 * left, ms), 3 claimed (n: 1 when a meta was stored), 4 unclaimed (n: likewise).
 *
 * redis.calls (billed, on top of the EVALSHA):
 *   1  ready or live (MGET meta + claim)
 *   +1 closing the claim (SET KEEPTTL, unless already closed); +1 SET PX of a meta; +1 PUBLISH
 * Needs Redis ≥ 6.0 (KEEPTTL).
 * @module
 */
import { LuaScript } from "./script.ts";
import { LUA_HOLDER_OF, LUA_READY, luaString } from "./lua-helpers.ts";
import { RETRY } from "../../../states.ts";
import { CLOSED_MARK } from "../../../keys.ts";

/** Reply codes of the mark-lost script. */
export const LOST_CODE = { settled: 1, live: 2, claimed: 3, unclaimed: 4 } as const;

export const markLostScript = new LuaScript(
  "mark-lost",
  `${LUA_READY}
${LUA_HOLDER_OF}
local found = redis.call('MGET', KEYS[1], KEYS[2])
if found[1] then
  local ok, meta = pcall(cjson.decode, found[1])
  if ok and type(meta) == 'table' then
    local status, retries, mine = meta['status'], tonumber(meta['retries']) or -1, tonumber(ARGV[6])
    if READY[status] or retries > mine or (status == ${luaString(RETRY)} and retries == mine) then return {1, 1, 0, found[1]} end
  end
end
local calls, code, meta = 1, 4, ARGV[3]
if found[2] then
  local deadline, holder = holderOf(found[2])
  local closed = string.sub(holder, 1, 1) == ${luaString(CLOSED_MARK)}
  local remaining = deadline - tonumber(ARGV[1])
  if remaining > 0 and not closed then return {1, 2, remaining, false} end
  if not closed then
    redis.call('SET', KEYS[2], string.format('%d %s%s', deadline, ${luaString(CLOSED_MARK)}, holder), 'KEEPTTL')
    calls = 2
  end
  code, meta = 3, ARGV[2]
end
if meta == '' then return {calls, code, 0, false} end
redis.call('SET', KEYS[1], meta, 'PX', ARGV[4])
if ARGV[5] == '1' then
  redis.call('PUBLISH', KEYS[1], meta)
  return {calls + 2, code, 1, false}
end
return {calls + 1, code, 1, false}
`,
);
