/**
 * reschedule: write back a claimed message and make it due again, unless it was removed meanwhile.
 *
 * KEYS[1] due ZSET   KEYS[2] lease ZSET   KEYS[3] the message HASH
 * ARGV[1] id   ARGV[2] due ms   ARGV[3] meta JSON
 * Returns 1 when rescheduled, 0 when the message is gone (cancelled).
 * @module
 */
import { LuaScript } from "../../../backend/redis/scripts/script.ts";

export const rescheduleScript = new LuaScript(
  "reschedule",
  `
redis.call('ZREM', KEYS[2], ARGV[1])
if redis.call('EXISTS', KEYS[3]) == 0 then return 0 end
redis.call('HSET', KEYS[3], 'meta', ARGV[3])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return 1
`,
);
