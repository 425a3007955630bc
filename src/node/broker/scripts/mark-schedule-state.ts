/**
 * mark-schedule-state: set one message's state in the last trigger's states, if it belongs there.
 *
 * KEYS[1] the states HASH   ARGV[1] message id   ARGV[2] state
 * Returns 1 when set.
 * @module
 */
import { LuaScript } from "../../../backend/redis/scripts/script.ts";

export const markScheduleStateScript = new LuaScript(
  "mark-schedule-state",
  `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
`,
);
