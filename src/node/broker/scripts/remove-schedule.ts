/**
 * remove-schedule: delete a schedule, its trigger states and its index entries.
 *
 * KEYS[1] the schedule HASH   KEYS[2] its states HASH   KEYS[3] schedule-due ZSET   KEYS[4] all-schedules SET
 * ARGV[1] schedule id
 * Returns 1 when it existed, else 0.
 * @module
 */
import { LuaScript } from "../../../backend/redis/scripts/script.ts";

export const removeScheduleScript = new LuaScript(
  "remove-schedule",
  `
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('ZREM', KEYS[3], ARGV[1])
return redis.call('SREM', KEYS[4], ARGV[1])
`,
);
