/**
 * put-schedule: save a schedule and index its next trigger (none while paused).
 *
 * KEYS[1] the schedule HASH   KEYS[2] schedule-due ZSET   KEYS[3] all-schedules SET
 * ARGV[1] meta JSON   ARGV[2] body bytes   ARGV[3] schedule id   ARGV[4] next trigger ms ("" for none)
 * Returns 1.
 * @module
 */
import { LuaScript } from "../../../backend/redis/scripts/script.ts";

export const putScheduleScript = new LuaScript(
  "put-schedule",
  `
redis.call('HSET', KEYS[1], 'meta', ARGV[1], 'body', ARGV[2])
redis.call('SADD', KEYS[3], ARGV[3])
if ARGV[4] == '' then
  redis.call('ZREM', KEYS[2], ARGV[3])
else
  redis.call('ZADD', KEYS[2], ARGV[4], ARGV[3])
end
return 1
`,
);
