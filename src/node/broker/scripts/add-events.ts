/**
 * add-events: append log entries with increasing sequence numbers, keep the newest `cap`.
 *
 * KEYS[1] events LIST (newest first; items are "<seq> <entry JSON>")   KEYS[2] sequence STRING
 * ARGV[1] cap   ARGV[2..] entry JSON
 * Returns the last sequence number assigned.
 * @module
 */
import { LuaScript } from "../../../backend/redis/scripts/script.ts";

export const addEventsScript = new LuaScript(
  "add-events",
  `
local seq = 0
for i = 2, #ARGV do
  seq = redis.call('INCR', KEYS[2])
  redis.call('LPUSH', KEYS[1], seq .. ' ' .. ARGV[i])
end
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[1]) - 1)
return seq
`,
);
