/**
 * claim: decide atomically whether one attempt (`id`, `retries`) may run, and take its claim.
 *
 * KEYS[1]  result meta key   (`celery-task-meta-<id>`)
 * KEYS[2]  tombstone key     (`celeriac:revoked:<id>`)
 * KEYS[3]  claim key         (`celeriac:claim:<id>:<retries>`)
 * ARGV[1]  the claim value to store: `"<leaseDeadlineMs> <token>"`
 * ARGV[2]  token of this attempt
 * ARGV[3]  mode: `"early"` or `"late"`
 * ARGV[4]  now, epoch ms (integer)
 * ARGV[5]  claim key TTL, ms
 * ARGV[6]  STARTED meta JSON to store when the claim is taken, or `""`
 * ARGV[7]  TTL of that meta, ms
 *
 * Returns `{calls, code, leaseRemainingMs, text}` where code is
 *   1 claimed    (text: false)
 *   2 revoked    (text: the tombstone JSON `{"reason": …}`)
 *   3 succeeded  (text: the stored SUCCESS meta JSON)
 *   4 held       (text: the stored meta JSON or false; leaseRemainingMs 0 = lease expired,
 *                 or the claim is closed: its attempt was abandoned or declared lost, and no
 *                 delivery takes a closed claim over)
 * STARTED (ARGV[6]) is written only over a state that is not READY (Celery's precedence).
 *
 * redis.calls (billed, on top of the EVALSHA):
 *   1  revoked or succeeded (MGET)
 *   2  claimed, held, or a retried request of the holding attempt (MGET, SET NX GET PX)
 *   3  late takeover of an expired lease (+ SET PX)
 *   +1 when STARTED meta is written (SET PX)
 * Needs Redis ≥ 7.0 (SET with both NX and GET).
 * @module
 */
import { SUCCESS } from "../../../states.ts";
import { LuaScript } from "./script.ts";
import { LUA_READY, LUA_STATUS_OF, luaString } from "./lua-helpers.ts";
import { CLOSED_MARK } from "../../../keys.ts";

/** Reply codes of the claim script. */
export const CLAIM_CODE = { claimed: 1, revoked: 2, succeeded: 3, held: 4 } as const;

export const claimScript = new LuaScript(
  "claim",
  `${LUA_STATUS_OF}
${LUA_READY}
local found = redis.call('MGET', KEYS[1], KEYS[2])
local meta, tombstone = found[1], found[2]
if tombstone then return {1, 2, 0, tombstone} end
local status = statusOf(meta)
if status == ${luaString(SUCCESS)} then return {1, 3, 0, meta} end
local calls = 2
local old = redis.call('SET', KEYS[3], ARGV[1], 'NX', 'GET', 'PX', ARGV[5])
if old then
  local deadline, holder = string.match(old, '^(%d+) (.*)$')
  if holder == ARGV[2] then return {2, 1, 0, false} end
  if string.sub(holder or '', 1, 1) == ${luaString(CLOSED_MARK)} then return {2, 4, 0, meta or false} end
  local remaining = (tonumber(deadline) or 0) - tonumber(ARGV[4])
  if remaining > 0 then return {2, 4, remaining, meta or false} end
  if ARGV[3] ~= 'late' then return {2, 4, 0, meta or false} end
  redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[5])
  calls = 3
end
if ARGV[6] ~= '' and not (status and READY[status]) then
  redis.call('SET', KEYS[1], ARGV[6], 'PX', ARGV[7])
  calls = calls + 1
end
return {calls, 1, 0, false}
`,
);
