/**
 * advance-schedule: move a schedule's trigger only if it is still at `from` (compare-and-set),
 * so brokers sharing Redis fire each trigger once.
 *
 * KEYS[1] schedule-due ZSET   KEYS[2] the schedule HASH
 * ARGV[1] schedule id   ARGV[2] from ms   ARGV[3] next ms ("" for none)   ARGV[4] meta JSON
 * Returns 1 when advanced, 0 when another broker got there first.
 * @module
 */
import { LuaScript } from "../../../backend/redis/scripts/script.ts";

export const advanceScheduleScript = new LuaScript(
  "advance-schedule",
  `
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score or tonumber(score) ~= tonumber(ARGV[2]) then return 0 end
if redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
redis.call('HSET', KEYS[2], 'meta', ARGV[4])
if ARGV[3] == '' then
  redis.call('ZREM', KEYS[1], ARGV[1])
else
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
end
return 1
`,
);
